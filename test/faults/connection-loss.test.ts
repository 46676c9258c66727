import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enqueue, startOutboxRelay } from '../../packages/producer/src/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait.js';
import { quietLogger, setUpProducerSchema } from '../producer/outbox-fixtures.js';
import { eventsOf, type HoldingServer, startHoldingServer, terminateOtherSessions } from './support.js';

// A database connection lost while a client is checked out of the pool and held across a network call
// (pg_terminate_backend, as an operator, a failover or a restarting server would end it). Without an
// error listener on the held client, pg's 'error' event ends the whole process: this test process,
// here, since the API, the worker and the producer relay all run in it.

const TENANT = 't_connloss';
// What would end a real process: node:test reports uncaught errors against whichever test its async
// context points to (for the worker's pool, a hook that has finished), so they are collected here.
const uncaught: unknown[] = [];
process.on('uncaughtException', (err) => uncaught.push(err));
const noUncaughtErrors = () =>
  assert.deepEqual(uncaught.splice(0), [], 'an uncaught error would end the process');
let p: TestPlatform;
let admin: string;
let producer: string;
const servers: HoldingServer[] = [];

before(async () => {
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  for (const s of servers) await s.close();
});

async function holdingServer() {
  const s = await startHoldingServer();
  servers.push(s);
  return s;
}

async function createHttpSink(workspaceId: string, url: string) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: `conn ${workspaceId}`, type: 'http', workspaceId, config: { url } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string };
}

async function ingest(workspaceId: string, ids: string[], action: string) {
  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { events: ids.map((id) => ({ id, workspaceId, actorKind: 'system', action })) },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

test('the delivery engine survives losing the connection that holds the publish lock, and delivers everything', async () => {
  const receiver = await holdingServer();
  const sink = await createHttpSink('w_lock', `${receiver.url}/ingest`);
  // The sink's own audit.sink_created shows its workflow delivering; then a batch is held at the receiver:
  // the run's connection holds the publish lock, idle, while the worker waits for the answer.
  await waitFor('the first delivery', async () => receiver.bodies.length > 0, 60_000);
  receiver.hold = (body) => body.includes('fault.held');
  const first = Array.from({ length: 20 }, (_, i) => `held_${i}`);
  await ingest('w_lock', first, 'fault.held');
  await waitFor('a batch held at the receiver', async () => receiver.held() > 0, 60_000);

  assert.ok((await terminateOtherSessions(p.db.pool)) > 0);
  // Give pg time to see the terminated session (the 'error' event of the held client).
  await waitFor('the lock released with its session', async () => {
    const { rows } = await p.db.pool.query(
      `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
         where l.locktype = 'advisory' and d.datname = current_database()`,
    );
    return rows[0].n === 0;
  });
  receiver.release();

  const later = Array.from({ length: 20 }, (_, i) => `later_${i}`);
  await ingest('w_lock', later, 'fault.after');
  await waitFor(
    'every event delivered after the loss',
    async () => {
      const got = new Set(eventsOf(receiver.bodies).map((e) => e.id));
      return [...first, ...later].every((id) => got.has(id));
    },
    60_000,
  );
  // Delivered in log order: the first occurrence of each event follows the order it was stored in.
  const order = [...new Set(eventsOf(receiver.bodies).map((e) => e.id as string))].filter(
    (id) => id.startsWith('held_') || id.startsWith('later_'),
  );
  assert.deepEqual(order, [...first, ...later]);
  const got = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
  assert.equal(got.status, 200);
  noUncaughtErrors();
});

test('POST …/test survives losing its database connection while it waits for the destination', async () => {
  const receiver = await holdingServer();
  const sink = await createHttpSink('w_test', `${receiver.url}/ingest`);
  receiver.hold = (body) => body.includes('audit.sink.test');
  const answer = p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  await waitFor('the test request held at the receiver', async () => receiver.held() > 0, 30_000);
  await terminateOtherSessions(p.db.pool);
  await new Promise((r) => setTimeout(r, 200));
  receiver.release();

  const res = await answer;
  // Either the outcome (nothing was held across the network) or 503: never a crash, never a 500.
  assert.ok(res.status === 200 || res.status === 503, `${res.status} ${JSON.stringify(res.body)}`);
  if (res.status === 503) assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const again = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.ok, true);
  noUncaughtErrors();
});

test('the producer relay survives losing its connection mid-batch, in the host process, and delivers every event', async () => {
  let producerDb: TestDatabase | undefined;
  const api = await holdingServer();
  try {
    producerDb = await createTestDatabase({ role: 'owner' });
    const schema = 'connloss';
    await setUpProducerSchema(producerDb.pool, schema);
    const client = await producerDb.pool.connect();
    let ids: string[];
    try {
      await client.query('begin');
      ids = await enqueue(
        client,
        Array.from({ length: 30 }, (_, i) => ({ actorKind: 'system', action: 'shop.sold', metadata: { i } })),
        { schema },
      );
      await client.query('commit');
    } finally {
      client.release();
    }
    // A stand-in for the audit API: it stores nothing, answers 202, and holds the first batch.
    api.answer = (body) => {
      const events = (JSON.parse(body) as { events: unknown[] }).events;
      return { status: 202, body: JSON.stringify({ accepted: events.length, duplicates: 0 }) };
    };
    let first = true;
    api.hold = () => {
      const h = first;
      first = false;
      return h;
    };
    const relay = startOutboxRelay({
      pool: producerDb.pool,
      apiUrl: api.url,
      apiKey: 'ak_unused',
      schema,
      pollIntervalMs: 50,
      minBackoffMs: 50,
      maxBackoffMs: 200,
      logger: quietLogger,
    });
    try {
      await waitFor('a batch in flight', async () => api.held() > 0, 30_000);
      // The relay's claim transaction is idle while it waits for the API: end its session.
      const dbName = new URL(producerDb.url).pathname.slice(1);
      assert.ok((await terminateOtherSessions(p.db.ownerPool, dbName)) > 0);
      await new Promise((r) => setTimeout(r, 200));
      api.release();
      await waitFor(
        'the outbox drained',
        async () => {
          const { rows } = await producerDb!.pool.query(
            `select count(*)::int as n from ${schema}.audit_outbox`,
          );
          return rows[0].n === 0;
        },
        30_000,
      );
      // The batch whose removal was lost is sent again (the API dedupes it by id): nothing is missing.
      const sent = new Set(
        api.bodies.flatMap((b) =>
          (JSON.parse(b) as { events: Array<{ id: string }> }).events.map((e) => e.id),
        ),
      );
      assert.ok(ids.every((id) => sent.has(id)));
      assert.ok(relay.stats.failures >= 1, 'the lost connection was a failed pass, not a crash');
      noUncaughtErrors();
    } finally {
      await relay.stop();
    }
  } finally {
    await producerDb?.drop();
  }
});
