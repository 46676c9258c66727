import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { actionInventoryStats } from '../../src/db/action-drift.js';
import { listActions } from '../../src/db/action-inventory.js';
import { nextLogRange } from '../../src/db/log-consumers.js';
import type { Queryable } from '../../src/db/pool.js';
import { rollupStep } from '../../src/rollup/log-rollup.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// The rollup alone on a fresh database (no platform, so no worker loop races these steps).
let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.drop());

let n = 0;
async function insertEvent(q: Queryable, tenantId: string, action: string, valid = true): Promise<string> {
  const { rows } = await q.query<{ txid: string }>(
    `insert into audit_events (tenant_id, id, occurred_at, actor_kind, action, action_valid)
     values ($1::text, $2::text, now(), 'system', $3::text, $4::boolean) returning txid::text as txid`,
    [tenantId, `e${++n}`, action, valid],
  );
  return rows[0]!.txid;
}

async function drain(batchSize?: number): Promise<number> {
  let total = 0;
  for (let step = 1; step > 0; total += step) step = await rollupStep(db.pool, undefined, batchSize);
  return total;
}

/**
 * Drains until `expected` events were folded. The horizon is cluster-wide: while other test files'
 * transactions are open on the same server, recent events wait for them, so this polls.
 */
async function drainUntil(expected: number, batchSize?: number): Promise<number> {
  let total = 0;
  const deadline = Date.now() + 20_000;
  while (total < expected && Date.now() < deadline) {
    total += await drain(batchSize);
    if (total < expected) await new Promise((r) => setTimeout(r, 50));
  }
  return total;
}

test('an event whose transaction commits late is folded once it commits, never skipped', async () => {
  const late = await db.pool.connect();
  try {
    await late.query('begin');
    await insertEvent(late, 't_late', 'late.event');
    // Committed after the open transaction started: a higher txid, invisible to the rollup for now.
    await insertEvent(db.pool, 't_late', 'early.event');
    assert.equal(await drain(), 0, 'nothing is read while an older transaction is still open');
    await late.query('commit');
  } finally {
    late.release();
  }
  assert.equal(await drainUntil(2), 2);
  const names = (await listActions(db.pool, 't_late', {})).map((a) => [a.action, a.count]);
  assert.deepEqual(names, [
    ['early.event', 1],
    ['late.event', 1],
  ]);
  assert.equal(await drain(), 0, 'folded once');
});

test('batches are cut in ingest order and invalid names are counted, not inventoried', async () => {
  for (let i = 0; i < 7; i++) await insertEvent(db.pool, 't_batch', 'batch.event');
  await insertEvent(db.pool, 't_batch', 'Not Valid', false);
  const sizes: number[] = [];
  const deadline = Date.now() + 20_000;
  while (sizes.reduce((a, b) => a + b, 0) < 8 && Date.now() < deadline) {
    const step = await rollupStep(db.pool, undefined, 3);
    if (step > 0) sizes.push(step);
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    8,
  );
  assert.ok(
    sizes.every((size) => size <= 3),
    `batches of at most 3: ${sizes}`,
  );
  const [entry] = await listActions(db.pool, 't_batch', {});
  assert.equal(entry?.count, 7);
  assert.equal((await actionInventoryStats(db.pool, 't_batch', new Date())).invalidActionCount, 1);
});

test('the end of a batch is found in xid8 order, across a change in the number of digits', async () => {
  const before = await insertEvent(db.pool, 't_digits', 'digits.event');
  // Burn transaction ids (each subtransaction that writes takes one) up to the next power of ten.
  const target = 10n ** BigInt(before.length);
  const client = await db.pool.connect();
  try {
    await client.query('create temporary table burn (x int)');
    for (;;) {
      // Each autocommit call takes a transaction id of its own.
      const { rows } = await client.query<{ next: string }>('select pg_current_xact_id()::text as next');
      const next = BigInt(rows[0]!.next);
      if (next >= target) break;
      const needed = Math.min(50_000, Number(target - next));
      await client.query(`do $$ begin
        for i in 1..${needed} loop
          begin insert into burn values (i); exception when others then null; end;
        end loop;
      end $$`);
    }
  } finally {
    client.release();
  }
  const afterTxid = await insertEvent(db.pool, 't_digits', 'digits.event');
  assert.ok(afterTxid.length > before.length, `${before} → ${afterTxid}`);

  const { rows } = await db.pool.query<{ txid: string; seq: number }>(
    'select txid::text as txid, seq from audit_log_consumers where name = $1::text',
    ['rollup'],
  );
  // Once both rows are below the horizon, the range ends at the higher txid.
  let range = await nextLogRange(db.pool, rows[0]!, 1000);
  const deadline = Date.now() + 20_000;
  while ((range?.count ?? 0) < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    range = await nextLogRange(db.pool, rows[0]!, 1000);
  }
  assert.equal(range?.count, 2);
  assert.equal(range?.to.txid, afterTxid);
});
