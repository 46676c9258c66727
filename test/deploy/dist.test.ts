import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';

// What the image runs: `npm run build` output, plain node, the pre-built workflow bundle. CI builds
// before it tests; locally, run `npm run build` first.
const BUILT = existsSync('dist/src/main/api.js') && existsSync('dist/workflow-bundle.js');

let db: TestDatabase;
const processes: PlatformProcess[] = [];
before(async () => {
  if (!BUILT) return;
  db = await createTestDatabase();
  const taskQueue = `dist-${randomBytes(5).toString('hex')}`;
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_ADMIN_TOKEN: `pt_${randomBytes(16).toString('hex')}`,
    AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
    AUDIT_WORKFLOW_BUNDLE: 'dist/workflow-bundle.js',
    LOG_LEVEL: 'warn',
  };
  for (const entry of ['worker', 'api'] as const) {
    processes.push(await startPlatformProcess({ entry, env, compiled: true }));
  }
});
after(async () => {
  for (const p of processes) await p.stop();
  await db?.drop();
});

test('the compiled API and worker start with the pre-built bundle and answer /readyz', {
  skip: !BUILT && 'run `npm run build` first',
}, async () => {
  for (const p of processes) {
    const cmdline = readFileSync(`/proc/${p.pid()}/cmdline`, 'utf8').split('\0');
    assert.ok(
      cmdline.includes(`dist/src/main/${p.entry}.js`),
      `runs the compiled entry: ${cmdline.join(' ')}`,
    );
    assert.ok(!cmdline.includes('tsx'), 'without tsx');
    const res = await fetch(`${p.url}/readyz`);
    assert.equal(res.status, 200, `${p.entry}: ${await res.text()}`);
  }
  const api = processes.find((p) => p.entry === 'api')!;
  const docs = await fetch(`${api.url}/openapi.json`);
  assert.equal(docs.status, 200);
  // The reference's assets resolve from dist/ to the swagger-ui-dist package.
  const ui = await fetch(`${api.url}/docs/swagger-ui-bundle.js`);
  assert.equal(ui.status, 200);
  assert.ok((await ui.arrayBuffer()).byteLength > 1_000_000);
  assert.doesNotMatch(
    processes.map((p) => p.output()).join('\n'),
    /webpack|Workflow bundle created/,
    'no bundling at start',
  );
});
