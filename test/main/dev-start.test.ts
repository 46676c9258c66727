import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';

// `npm start` as a user runs it: embedded PostgreSQL, a Temporal dev server with its UI, API and worker.
let dataDir: string;
let uiPort: number;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'audit-dev-'));
  await chmod(dataDir, 0o755);
  uiPort = await freePort();
});
after(() => rm(dataDir, { recursive: true, force: true }));

async function start(): Promise<PlatformProcess> {
  return startPlatformProcess({
    entry: 'dev',
    env: {
      AUDIT_DATA_DIR: dataDir,
      AUDIT_TEMPORAL_PORT: String(await freePort()),
      AUDIT_TEMPORAL_UI_PORT: String(uiPort),
      AUDIT_TEMPORAL_CLI: testEnv('AUDIT_TEMPORAL_CLI'),
      AUDIT_LOG_EVENTS: 'true',
      LOG_LEVEL: 'info',
      // Nothing from the test environment: the embedded defaults, as on a fresh machine.
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      AUDIT_ADMIN_TOKEN: '',
      AUDIT_SECRET_KEY: '',
      AUDIT_WORKFLOW_BUNDLE: '',
    },
  });
}

function processesUsing(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo'));
}

test('npm start boots on embedded defaults, prints where things are, and stops everything on SIGTERM', async () => {
  const s = await start();
  const out = s.output();
  const apiPort = s.port;
  assert.match(out, new RegExp(`API:\\s+http://localhost:${apiPort}`));
  assert.match(out, new RegExp(`Temporal UI:\\s+http://127.0.0.1:${uiPort}`));
  assert.match(out, new RegExp(`token is in ${join(dataDir, 'admin-token')}`));
  const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
  assert.equal(ui.status, 200, 'the Temporal UI answers');

  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const key = await fetch(`http://127.0.0.1:${apiPort}/v1/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 't_dev', role: 'producer' }),
  }).then((r) => r.json() as Promise<{ key: string }>);
  const ingest = await fetch(`http://127.0.0.1:${apiPort}/v1/audit/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'survives_restart', actorKind: 'user', action: 'dev.started' }),
  });
  assert.equal(ingest.status, 202);
  await new Promise((r) => setTimeout(r, 200));
  const logged = s
    .output()
    .split('\n')
    .filter((l) => l.includes('"survives_restart"'))
    .map((l) => JSON.parse(l));
  assert.equal(logged.length, 1, 'AUDIT_LOG_EVENTS logs the accepted event as one JSON line');
  assert.equal(logged[0].event.action, 'dev.started');

  await s.stop();
  assert.deepEqual(
    processesUsing(dataDir),
    [],
    `no postgres or temporal process left behind:\n${s.output().slice(-3000)}`,
  );
});

test('a second start reuses the same state: data, token and keys', async () => {
  const s = await start();
  try {
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const res = await fetch(`${s.url}/v1/audit/events?tenantId=t_dev&action=dev.started`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: Array<{ id: string }> };
    assert.deepEqual(
      body.data.map((e) => e.id),
      ['survives_restart'],
    );
  } finally {
    await s.stop();
  }
  assert.deepEqual(processesUsing(dataDir), []);
});
