import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testEnv } from '../helpers/env.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  type KinesisProxy,
  kinesisClient,
  readStream,
  startKinesalite,
  startKinesisProxy,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';

const TENANT = 't_crash';
const SECRET_KEY = randomBytes(32).toString('base64');
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let proxy: KinesisProxy;
let workerDataDir: string;
const workers: ChildProcess[] = [];

before(async () => {
  kinesalite = await startKinesalite();
  proxy = await startKinesisProxy(kinesalite.port);
  useKinesisEndpoint(proxy.endpoint);
  // The API only: the worker runs in child processes that this test kills.
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1', AUDIT_SECRET_KEY: SECRET_KEY }, { worker: false });
  workerDataDir = await mkdtemp(join(tmpdir(), 'audit-worker-'));
});
after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await p?.stop();
  await proxy?.close();
  await kinesalite?.close();
  if (workerDataDir) await rm(workerDataDir, { recursive: true, force: true });
});

/** `npm run start:worker` as its own process (node directly, so the signal reaches the worker itself). */
function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: p.db.url,
      TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: p.taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${p.taskQueue}:`,
      AUDIT_WORKFLOW_BUNDLE: testEnv('AUDIT_WORKFLOW_BUNDLE'),
      AUDIT_SECRET_KEY: SECRET_KEY,
      AUDIT_DATA_DIR: workerDataDir,
      AUDIT_ADMIN_TOKEN: 'unused-by-the-worker',
      AUDIT_REGION: 'us-east-1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.push(child);
  return child;
}

test('a worker killed with SIGKILL mid-batch, then restarted, loses nothing', async () => {
  const admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  const producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  const kinesis = kinesisClient(kinesalite.endpoint);
  const arn = await createStream(kinesis, 'crash-stream');

  // The first PutRecords call of our events is written by kinesalite, then its answer is held: the
  // worker has published a batch it has not recorded yet when it dies.
  let release: () => void = () => {};
  let holding = false;
  proxy.beforeAnswer = async () => {
    if (holding) return;
    holding = true;
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  };

  const first = startWorker();
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'crash', type: 'kinesis', workspaceId: 'w_crash', config: { streamArn: arn } },
  });
  assert.equal(created.status, 201);
  const ids: string[] = [];
  for (let b = 0; b < 4; b++) {
    const events = Array.from({ length: 500 }, (_, i) => ({
      id: `crash_${b}_${i}`,
      workspaceId: 'w_crash',
      actorKind: 'system',
      action: 'test.crash',
    }));
    ids.push(...events.map((e) => e.id));
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assert.equal(res.status, 202);
  }

  await waitFor('a PutRecords call in flight', async () => holding, 60_000);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  proxy.beforeAnswer = async () => {};
  release();

  startWorker();
  const delivered = await waitFor(
    'every event after the restart',
    async () => {
      const got = new Set((await readStream(kinesis, 'crash-stream')).map((r) => JSON.parse(r.data).id));
      return ids.every((id) => got.has(id)) ? got : undefined;
    },
    90_000,
    500,
  );
  assert.ok(ids.every((id) => delivered.has(id)));

  // The interrupted batch shows up in history as one batch with a second, successful attempt.
  const history = await p.request('GET', `/v1/audit/sinks/${created.body.id}/deliveries?limit=100`, {
    token: admin,
  });
  assert.ok(
    history.body.data.some((d: any) => d.attempts >= 2 && d.status === 'succeeded'),
    JSON.stringify(history.body.data),
  );
  assert.ok(history.body.data.every((d: any) => d.status === 'succeeded'));
});
