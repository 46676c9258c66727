import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type EmbeddedDatabase,
  freePort,
  startEmbeddedPostgres,
} from '../../src/runtime/embedded-postgres.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';
import { waitFor } from '../helpers/wait.js';
import { type HttpReceiver, startHttpReceiver } from '../sinks/receivers.js';

// PostgreSQL stopped and started again under load, with the API and the worker as real processes
// (`npm run start:api`, `npm run start:worker`). Every process keeps running, reports not-ready while the
// database is away, and delivers every accepted event afterwards, in order. A PostgreSQL of this test's
// own (stopping the one the other test files share would break them), started again on the same port.

const TENANT = 't_pg_outage';
const SINKS = 2;
const ADMIN_TOKEN = `pt_test_${randomBytes(16).toString('hex')}`;
const OUTAGE_MS = 15_000;

let dir: string;
let pgPort: number;
let db: EmbeddedDatabase | undefined;
let api: PlatformProcess | undefined;
let worker: PlatformProcess | undefined;
const receivers: HttpReceiver[] = [];

const startDatabase = () =>
  startEmbeddedPostgres(join(dir, 'postgres'), 'audit', undefined, undefined, pgPort);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-pg-outage-'));
  // As root, PostgreSQL runs as the postgres user, which must reach its cluster directory.
  await chmod(dir, 0o755);
  pgPort = await freePort();
  db = await startDatabase();
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_WORKFLOW_BUNDLE: testEnv('AUDIT_WORKFLOW_BUNDLE'),
    AUDIT_ADMIN_TOKEN: ADMIN_TOKEN,
    AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
    AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
  };
  api = await startPlatformProcess({ entry: 'api', env: { ...env, AUDIT_DATA_DIR: join(dir, 'api') } });
  worker = await startPlatformProcess({
    entry: 'worker',
    env: { ...env, AUDIT_DATA_DIR: join(dir, 'worker') },
  });
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await db?.stop();
  for (const r of receivers) await r.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

const statusOf = (url: string, path: string) =>
  fetch(`${url}${path}`).then(
    (r) => r.status,
    () => 0,
  );

test('PostgreSQL stopped and started under load: the worker stays alive, not ready meanwhile, and delivers every event after, in order', async (t) => {
  const admin = (await call('POST', '/v1/admin/api-keys', ADMIN_TOKEN, { tenantId: TENANT, role: 'admin' }))
    .body.key as string;
  const producer = (
    await call('POST', '/v1/admin/api-keys', ADMIN_TOKEN, { tenantId: TENANT, role: 'producer' })
  ).body.key as string;
  for (let i = 0; i < SINKS; i++) {
    const r = await startHttpReceiver();
    receivers.push(r);
    const res = await call('POST', '/v1/audit/sinks', admin, {
      name: `s${i}`,
      type: 'http',
      workspaceId: 'w_pg',
      config: { url: `${r.url}/in` },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }

  // Load: a batch of 25 events every ~100 ms, for as long as the test runs; only 202s count as accepted.
  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  let loading = true;
  let batch = 0;
  const load = (async () => {
    while (loading) {
      const b = batch++;
      const events = Array.from({ length: 25 }, (_, i) => ({
        id: `pg_${String(b).padStart(5, '0')}_${String(i).padStart(2, '0')}`,
        workspaceId: 'w_pg',
        actorKind: 'system',
        action: 'outage.load',
      }));
      const res = await call('POST', '/v1/audit/events', producer, { events }).catch(() => ({
        status: 0,
        type: null,
        body: null,
      }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202) accepted.push(...events.map((e) => e.id));
      else if (res.status === 503) assert.equal(res.type, 'application/problem+json');
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const workerReadyDuringOutage = new Set<number>();
  try {
    await outageUnderLoad();
  } finally {
    loading = false;
    await load;
  }

  async function outageUnderLoad() {
    await waitFor(
      'deliveries under way',
      async () => receivers.every((r) => r.acceptedEvents().some((e) => e.action === 'outage.load')),
      60_000,
    );
    await db!.stop();
    db = undefined;
    const down = Date.now();
    while (Date.now() - down < OUTAGE_MS) {
      workerReadyDuringOutage.add(await statusOf(worker!.url, '/readyz'));
      assert.equal(await statusOf(worker!.url, '/healthz'), 200, 'the worker process is alive');
      await new Promise((r) => setTimeout(r, 500));
    }
    db = await startDatabase();
    const back = Date.now();
    await waitFor(
      'the worker ready again',
      async () => (await statusOf(worker!.url, '/readyz')) === 200,
      30_000,
    );
    t.diagnostic(`worker ready ${Date.now() - back} ms after PostgreSQL's return`);
    await new Promise((r) => setTimeout(r, 3000));
  }

  assert.ok(
    workerReadyDuringOutage.has(503),
    `the worker said it was not ready: ${[...workerReadyDuringOutage]}`,
  );
  assert.ok(worker!.pid() !== undefined && api!.pid() !== undefined, 'both processes are still running');
  assert.ok(!statuses.has(500), `no 500 during the outage: ${JSON.stringify([...statuses])}`);
  assert.ok(accepted.length > 0);
  const loadEnded = Date.now();
  for (const r of receivers) {
    await waitFor(
      'every accepted event at every sink',
      async () => {
        const got = new Set(r.acceptedEvents().map((e) => e.id));
        return accepted.every((id) => got.has(id));
      },
      120_000,
      250,
    );
    // In order: the first delivery of each event follows the order the API accepted them in.
    // (A request whose answer was lost may still have stored its events: those are not in `accepted`.)
    const known = new Set(accepted);
    const firsts = [...new Set(r.acceptedEvents().map((e) => e.id as string))].filter((id) => known.has(id));
    assert.deepEqual(firsts, accepted);
  }
  t.diagnostic(`every event at every sink ${Date.now() - loadEnded} ms after the load ended`);
  t.diagnostic(`${accepted.length} events accepted; answers ${JSON.stringify([...statuses])}`);
  assert.ok(worker!.pid() !== undefined, 'the worker is still running');
});
