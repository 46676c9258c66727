import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';

// The README's first session, pasted into bash as a newcomer would, against a started platform
// whose token was generated into its data directory (as on a fresh machine).
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
let db: TestDatabase;
let api: PlatformProcess;
let dataDir: string;

/** The fenced block right after the `<!-- first-session … -->` marker. */
function firstSessionBlock(markdown: string): string {
  const match = /<!-- first-session\b[^>]*-->\s*\n```sh\n([\s\S]*?)\n```/.exec(markdown);
  assert.ok(match, 'README.md marks its first-session block with <!-- first-session --> before the fence');
  return match[1]!;
}

before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'audit-readme-'));
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  api = await startPlatformProcess({
    entry: 'api',
    env: {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
      AUDIT_DATA_DIR: dataDir,
      AUDIT_ADMIN_TOKEN: '',
      AUDIT_SECRET_KEY: '',
      LOG_LEVEL: 'warn',
    },
  });
});
after(async () => {
  await api?.stop();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the first session of the README runs as pasted: keys from the answers, the event sent and read back', async () => {
  const block = firstSessionBlock(await readFile(README, 'utf8'));
  // A clean shell: nothing from this process's environment but PATH and where the platform is.
  const res = spawnSync('bash', ['-euo', 'pipefail', '-c', block], {
    cwd: await mkdtemp(join(tmpdir(), 'audit-readme-cwd-')),
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, AUDIT_URL: api.url, AUDIT_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  const [ingest, read] = res.stdout.trim().split('\n');
  const accepted = JSON.parse(ingest!) as { ids: string[] };
  assert.equal(accepted.ids.length, 1, res.stdout);
  const listed = JSON.parse(read!) as { data: Array<{ id: string; action: string; tenantId: string }> };
  assert.deepEqual(
    listed.data.map((e) => [e.id, e.action, e.tenantId]),
    [[accepted.ids[0], 'member.invited', 't_1']],
    res.stdout,
  );
});
