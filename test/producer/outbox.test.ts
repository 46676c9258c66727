import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isValid as isUlid } from 'ulid';
import {
  backoffDelayMs,
  enqueue,
  migrate,
  OutboxConfigError,
  parseRetryAfter,
  readOutboxLag,
  requeueDeadLetters,
  ValidationError,
} from '../../packages/producer/src/index.js';
import { withTransaction } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { orderEvent } from './outbox-fixtures.js';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase({ role: 'owner' });
});
after(() => db.drop());

async function outboxRows(schema: string, table = 'audit_outbox') {
  const { rows } = await db.pool.query<{ id: string; event: Record<string, unknown> }>(
    `select id, event from ${schema}.${table} order by seq`,
  );
  return rows;
}

test('migrate creates the outbox and dead-letter tables under the configured names, idempotently', async () => {
  await Promise.all([
    migrate(db.pool, { schema: 'shop_audit', table: 'events_out' }),
    migrate(db.pool, { schema: 'shop_audit', table: 'events_out' }),
  ]);
  await migrate(db.pool, { schema: 'shop_audit', table: 'events_out' });
  const { rows } = await db.pool.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'shop_audit' order by table_name`,
  );
  assert.deepEqual(
    rows.map((r) => r.table_name),
    ['events_out', 'events_out_dead_letter'],
  );
});

test('table and schema names that are not plain identifiers are refused before any SQL runs', async () => {
  for (const bad of ['x"; drop table audit_events; --', 'Upper', '1starts_with_digit', '', 'a'.repeat(64)]) {
    await assert.rejects(migrate(db.pool, { table: bad }), OutboxConfigError);
    await assert.rejects(migrate(db.pool, { schema: bad }), OutboxConfigError);
  }
  await assert.rejects(migrate(db.pool, { table: 'a', deadLetterTable: 'a' }), OutboxConfigError);
  const { rows } = await db.pool.query(`select 1 from pg_tables where tablename ilike '%drop%'`);
  assert.equal(rows.length, 0);
});

test('enqueue commits and rolls back with the business transaction and assigns ULIDs at enqueue time', async () => {
  await migrate(db.pool, { schema: 'tx' });
  const committed = await withTransaction(db.pool, (tx) =>
    enqueue(tx, [orderEvent(1, 0), { ...orderEvent(1, 1), id: 'my-own-id_1' }], { schema: 'tx' }),
  );
  assert.equal(committed.length, 2);
  assert.ok(isUlid(committed[0]!), `${committed[0]} is a ULID`);
  assert.equal(committed[1], 'my-own-id_1');

  await assert.rejects(
    withTransaction(db.pool, async (tx) => {
      await enqueue(tx, orderEvent(2, 0), { schema: 'tx' });
      throw new Error('business change failed');
    }),
    /business change failed/,
  );

  const rows = await outboxRows('tx');
  assert.deepEqual(
    rows.map((r) => r.id),
    committed,
  );
  // The stored event carries its id and the time it happened, so a late delivery changes neither.
  for (const row of rows) {
    assert.equal(row.event.id, row.id);
    assert.ok(typeof row.event.occurredAt === 'string' && !Number.isNaN(Date.parse(row.event.occurredAt)));
  }
});

test('enqueue validates with the API schema and enqueues nothing from an invalid batch', async () => {
  await migrate(db.pool, { schema: 'invalid' });
  const err = await withTransaction(db.pool, (tx) =>
    enqueue(
      tx,
      [
        orderEvent(1, 0),
        { ...orderEvent(1, 1), actorKind: 'robot' as never },
        { ...orderEvent(1, 2), ip: 'not-an-ip', extra: true } as never,
      ],
      { schema: 'invalid' },
    ),
  ).catch((e: unknown) => e);
  assert.ok(err instanceof ValidationError);
  const pointers = (err.errors ?? []).map((e) => e.pointer).sort();
  assert.ok(pointers.includes('/1/actorKind'), JSON.stringify(pointers));
  assert.ok(pointers.includes('/2/ip'), JSON.stringify(pointers));
  assert.ok(
    pointers.some((p) => p === '/2' || p.startsWith('/2/')),
    JSON.stringify(pointers),
  );

  const single = await withTransaction(db.pool, (tx) =>
    enqueue(tx, { ...orderEvent(1, 0), metadata: { big: 'x'.repeat(17 * 1024) } }, { schema: 'invalid' }),
  ).catch((e: unknown) => e);
  assert.ok(single instanceof ValidationError);
  assert.deepEqual(
    single.errors?.map((e) => e.pointer),
    ['/metadata'],
  );
  assert.equal((await outboxRows('invalid')).length, 0);
});

test('lag counts pending rows and the age of the oldest; dead letters can be requeued with their ids', async () => {
  await migrate(db.pool, { schema: 'lag' });
  assert.deepEqual(
    { ...(await readOutboxLag(db.pool, { schema: 'lag' })), measuredAt: '' },
    { pending: 0, oldestPendingAgeMs: 0, deadLettered: 0, measuredAt: '' },
  );
  const ids = await withTransaction(db.pool, (tx) =>
    enqueue(tx, [orderEvent(1, 0), orderEvent(1, 1), orderEvent(1, 2)], { schema: 'lag' }),
  );
  await db.pool.query(`update lag.audit_outbox set enqueued_at = now() - interval '90 seconds'`);
  await db.pool.query(
    `with moved as (delete from lag.audit_outbox where id = $1::text returning seq, id, event, enqueued_at)
     insert into lag.audit_outbox_dead_letter (seq, id, event, enqueued_at, status, error)
     select seq, id, event, enqueued_at, 400, '{}'::jsonb from moved`,
    [ids[0]],
  );
  const lag = await readOutboxLag(db.pool, { schema: 'lag' });
  assert.equal(lag.pending, 2);
  assert.equal(lag.deadLettered, 1);
  assert.ok(lag.oldestPendingAgeMs >= 90_000, String(lag.oldestPendingAgeMs));

  assert.equal(await requeueDeadLetters(db.pool, { schema: 'lag', ids: [ids[0]!] }), 1);
  const rows = await outboxRows('lag');
  assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
});

test('backoff grows exponentially with full jitter, is capped, and never undercuts Retry-After', () => {
  const opts = { minBackoffMs: 100, maxBackoffMs: 1000 };
  assert.equal(
    backoffDelayMs(0, null, opts, () => 1),
    100,
  );
  assert.equal(
    backoffDelayMs(3, null, opts, () => 1),
    800,
  );
  assert.equal(
    backoffDelayMs(10, null, opts, () => 1),
    1000,
  );
  assert.equal(
    backoffDelayMs(10, null, opts, () => 0),
    50,
  );
  assert.equal(
    backoffDelayMs(0, 5000, opts, () => 1),
    5000,
  );
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
});
