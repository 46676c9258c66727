import { fileURLToPath } from 'node:url';

/** The console's two files, as the browser gets them. */
export interface ConsoleBundle {
  js: Uint8Array;
  css: Uint8Array;
}

/**
 * Bundles console/main.tsx (Preact) and the stylesheet it imports with esbuild, in memory. Used by
 * `npm run build` (written to dist/console/) and by the API when no prebuilt bundle exists (`npm start`).
 * esbuild is imported here only, on demand: a process serving a prebuilt bundle never loads it.
 */
export async function buildConsoleBundle(sourceDir: URL): Promise<ConsoleBundle> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: fileURLToPath(new URL('main.tsx', sourceDir)) },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error('the console build produced no app.js or app.css');
  return { js: js.contents, css: css.contents };
}
