/**
 * The part of `npm run build` that tsc cannot do: copy the SQL migrations next to the compiled
 * migrator and pre-bundle the workflow code, so a production worker starts without webpack.
 * The Dockerfile runs `npm run build` and copies dist/ as is.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { bundleWorkflowCode } from '@temporalio/worker';
import { CONSOLE_DIR } from '../src/console/assets.js';
import { buildConsoleBundle } from '../src/console/build.js';
import { WORKFLOWS_PATH } from '../src/temporal/worker.js';

const DIST = new URL('../dist/', import.meta.url);

await mkdir(new URL('src/db/migrations/', DIST), { recursive: true });
await cp(new URL('../src/db/migrations/', import.meta.url), new URL('src/db/migrations/', DIST), {
  recursive: true,
});

const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
await writeFile(new URL('workflow-bundle.js', DIST), code);
console.log(`dist/workflow-bundle.js: ${(code.length / 1024).toFixed(0)} KiB; migrations copied`);

// The web console: served from dist/console/ by the API (no esbuild at run time).
const bundle = await buildConsoleBundle(CONSOLE_DIR);
await mkdir(new URL('console/', DIST), { recursive: true });
await writeFile(new URL('console/app.js', DIST), bundle.js);
await writeFile(new URL('console/app.css', DIST), bundle.css);
console.log(
  `dist/console: app.js ${(gzipSync(bundle.js).length / 1024).toFixed(1)} KiB gzipped, app.css ${(gzipSync(bundle.css).length / 1024).toFixed(1)} KiB gzipped`,
);
