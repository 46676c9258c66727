import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { type DevServer, startTemporalDevServer } from '../../src/temporal/dev-server.js';
import { testEnv } from '../helpers/env.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait.js';
import { type HttpReceiver, startHttpReceiver } from '../sinks/receivers.js';
import { waitUntilIdle } from './support.js';

// Temporal goes away while events keep being accepted (their wake-up signals fail), comes back, and
// nothing is posted after: every sink must deliver within seconds of its return, not at the workflows'
// 5-minute fallback timer. A Temporal dev server of this test's own (a persistent SQLite file, so it
// restarts on the same port with its workflows and timers), the platform's API and worker in-process.

const TENANT = 't_temporal_outage';
const SINKS = 3;
/** Longer than the Temporal client's own retries of one call (about 20 s), so a signal really fails. */
const OUTAGE_MS = 35_000;

let dir: string;
let port: number;
let server: DevServer | undefined;
let p: TestPlatform;
let admin: string;
let producer: string;
const receivers: HttpReceiver[] = [];

function startServer() {
  return startTemporalDevServer({
    cliPath: testEnv('AUDIT_TEMPORAL_CLI'),
    port,
    uiPort: 0,
    namespace: 'default',
    dbFilename: join(dir, 'temporal.sqlite'),
    ui: false,
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-temporal-outage-'));
  await chmod(dir, 0o755);
  port = await freePort();
  server = await startServer();
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true', TEMPORAL_ADDRESS: server.address });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await server?.stop();
  for (const r of receivers) await r.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    return await fn(new Client({ connection, namespace: 'default' }));
  } finally {
    await connection.close();
  }
}

test('after a Temporal outage during ingest, every sink delivers within seconds of its return, with nothing posted after', async (t) => {
  const sinks: Array<{ id: string; workflowId: string; receiver: HttpReceiver }> = [];
  for (let i = 0; i < SINKS; i++) {
    const receiver = await startHttpReceiver();
    receivers.push(receiver);
    const res = await p.request('POST', '/v1/audit/sinks', {
      token: admin,
      body: { name: `s${i}`, type: 'http', workspaceId: 'w_out', config: { url: `${receiver.url}/in` } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    sinks.push({ ...(res.body as { id: string; workflowId: string }), receiver });
  }
  // Every workflow running, caught up and asleep: from here only a signal (or the 5-minute timer) wakes it.
  for (const s of sinks)
    await waitFor('the sink delivering', async () => s.receiver.acceptedEvents().length > 0, 60_000);
  await withClient(async (client) => {
    for (const s of sinks) await waitUntilIdle(client, s.workflowId);
  });

  await server!.stop();
  const ids: string[] = [];
  for (let b = 0; b < 5; b++) {
    const events = Array.from({ length: 20 }, (_, i) => ({
      id: `out_${b}_${i}`,
      workspaceId: 'w_out',
      actorKind: 'system',
      action: 'outage.accepted',
    }));
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assert.equal(res.status, 202, 'ingest does not need Temporal');
    ids.push(...events.map((e) => e.id));
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  for (const s of sinks) {
    const got = new Set(s.receiver.acceptedEvents().map((e) => e.id));
    assert.ok(!ids.some((id) => got.has(id)), 'nothing is delivered while Temporal is away');
  }

  server = await startServer();
  const back = Date.now();
  const delivered: number[] = [];
  await Promise.all(
    sinks.map(async (s) => {
      await waitFor(
        `every event at sink ${s.id}`,
        async () => {
          const got = new Set(s.receiver.acceptedEvents().map((e) => e.id));
          return ids.every((id) => got.has(id));
        },
        // The workflows' fallback timer is 5 minutes; the promise is seconds (generous for a busy machine).
        45_000,
        100,
      );
      delivered.push(Date.now() - back);
    }),
  );
  t.diagnostic(
    `sinks delivered ${delivered.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} after Temporal's return`,
  );
});
