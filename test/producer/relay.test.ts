import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import {
  enqueue,
  readOutboxLag,
  relayOutboxOnce,
  startOutboxRelay,
} from '../../packages/producer/src/index.js';
import {
  AUDIT_OUTBOX_UNAVAILABLE,
  createOutboxRelayActivities,
} from '../../packages/producer/src/temporal.js';
import { createPool, withTransaction } from '../../src/db/pool.js';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { type ApiProcess, startApiProcess } from '../helpers/api-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  enqueueInTransactions,
  orderEvent,
  outboxCount,
  quietLogger,
  setUpProducerSchema,
  startApiProxy,
  storedIds,
  waitFor,
} from './outbox-fixtures.js';

let audit: TestDatabase;
let producer: TestDatabase;
let api: ApiProcess;

before(async () => {
  [audit, producer] = await Promise.all([createTestDatabase(), createTestDatabase({ role: 'owner' })]);
  api = await startApiProcess({ databaseUrl: audit.url });
});
after(async () => {
  await api?.close();
  await Promise.all([audit?.drop(), producer?.drop()]);
});

async function drained(schema: string, tenantId: string, expected: number) {
  await waitFor(`${expected} events of ${tenantId} delivered`, async () => {
    return (
      (await outboxCount(producer.pool, schema)) === 0 &&
      (await storedIds(audit.pool, tenantId)).length >= expected
    );
  });
}

test('10,000 events enqueued in transactions, half rolled back: exactly the committed half is stored, once', async () => {
  const schema = 'bulk';
  const tenantId = 't_bulk';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  // The relay runs while the transactions commit and roll back, as it would in production.
  const relay = startOutboxRelay({
    pool: producer.pool,
    apiUrl: api.url,
    apiKey,
    schema,
    batchSize: 500,
    pollIntervalMs: 50,
    logger: quietLogger,
  });
  try {
    const { committed, rolledBack } = await enqueueInTransactions(producer.pool, schema, {
      transactions: 200,
      perTransaction: 50,
      rollbackEveryOther: true,
    });
    assert.equal(committed.length, 5000);
    assert.equal(rolledBack.length, 5000);
    relay.wake();
    await drained(schema, tenantId, committed.length);

    const stored = await storedIds(audit.pool, tenantId);
    assert.equal(stored.length, 5000);
    assert.deepEqual(stored, [...committed].sort());
    assert.equal(relay.stats.accepted, 5000);
    assert.equal(relay.stats.duplicates, 0);
    assert.equal(relay.stats.deadLettered, 0);
    const lag = await relay.measureLag();
    assert.equal(lag.pending, 0);
    assert.equal(relay.lag?.pending, 0);

    // The stored event is the enqueued one, as a viewer reads it through the API.
    const viewer = await api.createKey({ tenantId, role: 'viewer' });
    const res = await fetch(`${api.url}/v1/audit/events?resourceId=o_0&limit=500`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    const body = (await res.json()) as { data: Array<Record<string, unknown>> };
    assert.equal(res.status, 200);
    assert.equal(body.data.length, 50);
    assert.deepEqual(
      body.data.map((e) => (e.metadata as { n: number }).n).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(body.data[0]!.action, 'shop.order_updated');
    assert.equal(body.data[0]!.tenantId, tenantId);
  } finally {
    await relay.stop();
  }
});

test('two relays on one outbox: every event delivered by exactly one of them', async () => {
  const schema = 'pair';
  const tenantId = 't_pair';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const { committed } = await enqueueInTransactions(producer.pool, schema, {
    transactions: 40,
    perTransaction: 100,
    rollbackEveryOther: false,
  });
  const pools = [createPool(producer.url, 2), createPool(producer.url, 2)];
  const relays = pools.map((pool) =>
    startOutboxRelay({
      pool,
      apiUrl: api.url,
      apiKey,
      schema,
      batchSize: 200,
      pollIntervalMs: 50,
      logger: quietLogger,
    }),
  );
  try {
    await drained(schema, tenantId, committed.length);
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(pools.map((p) => p.end()));
  }
  const stored = await storedIds(audit.pool, tenantId);
  assert.deepEqual(stored, [...committed].sort());
  // Had both relays ever claimed the same row, the API would have counted the second send as a duplicate.
  assert.equal(relays[0]!.stats.accepted + relays[1]!.stats.accepted, 4000);
  assert.equal(relays[0]!.stats.duplicates + relays[1]!.stats.duplicates, 0);
  // Both started polling at once on 20 batches: each took part (so the test really ran them side by side).
  assert.ok(
    relays[0]!.stats.accepted > 0 && relays[1]!.stats.accepted > 0,
    JSON.stringify(relays.map((r) => r.stats.accepted)),
  );
});

test('poison events are bisected out and dead-lettered with the API error; the rest are delivered', async () => {
  const schema = 'poison';
  const tenantId = 't_poison';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const first = await withTransaction(producer.pool, (tx) =>
    enqueue(
      tx,
      Array.from({ length: 150 }, (_, i) => orderEvent(1, i)),
      { schema },
    ),
  );
  // Rows that bypassed enqueue's validation: one the API answers 400 (bad actorKind), one 403 (a tenant
  // this key may not write).
  await producer.pool.query(
    `insert into poison.audit_outbox (id, event) values
       ('poison_400', '{"id":"poison_400","actorKind":"robot","action":"shop.order_updated"}'::jsonb),
       ('poison_403', '{"id":"poison_403","tenantId":"t_someone_else","actorKind":"user","action":"shop.order_updated"}'::jsonb)`,
  );
  const second = await withTransaction(producer.pool, (tx) =>
    enqueue(
      tx,
      Array.from({ length: 150 }, (_, i) => orderEvent(2, i)),
      { schema },
    ),
  );

  const result = await relayOutboxOnce({
    pool: producer.pool,
    apiUrl: api.url,
    apiKey,
    schema,
    batchSize: 100,
  });
  assert.equal(result.failure, null);
  assert.equal(result.drained, true);
  assert.equal(result.deadLettered, 2);
  assert.equal(result.accepted, 300);
  assert.equal(await outboxCount(producer.pool, schema), 0);
  assert.deepEqual(await storedIds(audit.pool, tenantId), [...first, ...second].sort());
  assert.deepEqual(await storedIds(audit.pool, 't_someone_else'), []);

  const { rows } = await producer.pool.query<{ id: string; status: number; error: any }>(
    'select id, status, error from poison.audit_outbox_dead_letter order by id',
  );
  assert.deepEqual(
    rows.map((r) => [r.id, r.status]),
    [
      ['poison_400', 400],
      ['poison_403', 403],
    ],
  );
  assert.ok(
    rows[0]!.error.errors.some((e: { pointer: string }) => e.pointer === '/events/0/actorKind'),
    JSON.stringify(rows[0]!.error),
  );
  assert.equal(rows[1]!.error.status, 403);
  assert.equal((await readOutboxLag(producer.pool, { schema })).deadLettered, 2);
});

test('a key the API refuses outright dead-letters nothing: the rows wait for a working key', async () => {
  const schema = 'refused';
  const tenantId = 't_refused';
  await setUpProducerSchema(producer.pool, schema);
  const viewerKey = await api.createKey({ tenantId, role: 'viewer' });
  await withTransaction(producer.pool, (tx) =>
    enqueue(
      tx,
      Array.from({ length: 20 }, (_, i) => orderEvent(1, i)),
      { schema },
    ),
  );
  const refused = await relayOutboxOnce({ pool: producer.pool, apiUrl: api.url, apiKey: viewerKey, schema });
  assert.equal(refused.failure?.kind, 'credentials');
  assert.equal(refused.deadLettered, 0);
  const badKey = await relayOutboxOnce({ pool: producer.pool, apiUrl: api.url, apiKey: 'ak_nope', schema });
  assert.equal(badKey.failure?.kind, 'misconfigured');
  assert.equal(badKey.failure?.status, 401);
  assert.equal(await outboxCount(producer.pool, schema), 20);

  const producerKey = await api.createKey({ tenantId, role: 'producer' });
  const ok = await relayOutboxOnce({ pool: producer.pool, apiUrl: api.url, apiKey: producerKey, schema });
  assert.equal(ok.accepted, 20);
  assert.equal(await outboxCount(producer.pool, schema), 0);
});

test('429 with Retry-After: the relay waits at least that long before retrying, then delivers', async () => {
  const schema = 'throttled';
  const tenantId = 't_throttled';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const proxy = await startApiProxy(api.url, {
    before: (n) =>
      n === 1
        ? {
            status: 429,
            headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
            body: '{}',
          }
        : undefined,
  });
  const ids = await withTransaction(producer.pool, (tx) =>
    enqueue(
      tx,
      Array.from({ length: 10 }, (_, i) => orderEvent(1, i)),
      { schema },
    ),
  );
  // Backoff alone would retry within 20 ms; only Retry-After explains a wait of a second.
  const relay = startOutboxRelay({
    pool: producer.pool,
    apiUrl: proxy.url,
    apiKey,
    schema,
    pollIntervalMs: 20,
    minBackoffMs: 10,
    maxBackoffMs: 20,
    logger: quietLogger,
  });
  try {
    await drained(schema, tenantId, ids.length);
  } finally {
    await relay.stop();
    await proxy.close();
  }
  assert.equal(proxy.requests[0]!.status, 429);
  assert.equal(proxy.requests[1]!.status, 202);
  assert.ok(proxy.requests[1]!.at - proxy.requests[0]!.at >= 950, 'waited for Retry-After');
  assert.equal(relay.stats.failures, 1);
  assert.match(relay.stats.lastError ?? '', /HTTP 429/);
  assert.deepEqual(await storedIds(audit.pool, tenantId), [...ids].sort());
});

test('the Temporal activity drains in bounded passes and fails retryably, with Retry-After, when the API is down', async () => {
  const schema = 'activity';
  const tenantId = 't_activity';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const ids = await withTransaction(producer.pool, (tx) =>
    enqueue(
      tx,
      Array.from({ length: 250 }, (_, i) => orderEvent(1, i)),
      { schema },
    ),
  );

  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const down = createOutboxRelayActivities({ pool: producer.pool, apiUrl: nowhere, apiKey, schema });
  const err = await down.relayAuditOutbox().catch((e: unknown) => e);
  assert.ok(err instanceof ApplicationFailure);
  assert.equal(err.type, AUDIT_OUTBOX_UNAVAILABLE);
  assert.equal(err.nonRetryable, false);

  const proxy = await startApiProxy(api.url, {
    before: () => ({ status: 503, headers: { 'retry-after': '7' }, body: '{"detail":"maintenance"}' }),
  });
  try {
    const busy = createOutboxRelayActivities({ pool: producer.pool, apiUrl: proxy.url, apiKey, schema });
    const failure = await busy.relayAuditOutbox().catch((e: unknown) => e);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nextRetryDelay, 7000);
  } finally {
    await proxy.close();
  }
  assert.equal(await outboxCount(producer.pool, schema), 250);

  const { relayAuditOutbox } = createOutboxRelayActivities({
    pool: producer.pool,
    apiUrl: api.url,
    apiKey,
    schema,
    batchSize: 100,
    maxBatches: 2,
  });
  const firstPass = await relayAuditOutbox();
  assert.deepEqual([firstPass.batches, firstPass.accepted, firstPass.drained], [2, 200, false]);
  const secondPass = await relayAuditOutbox();
  assert.deepEqual([secondPass.batches, secondPass.accepted, secondPass.drained], [1, 50, true]);
  assert.deepEqual(await storedIds(audit.pool, tenantId), [...ids].sort());
});
