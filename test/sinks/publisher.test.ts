import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createKeyring } from '../../src/crypto/secrets.js';
import { insertEvents } from '../../src/db/events.js';
import type { PoolClient } from '../../src/db/pool.js';
import { rewindSinkCursor } from '../../src/db/sink-replay.js';
import { findSink, lockSinkForPublish, updateSink } from '../../src/db/sinks.js';
import { createLogger } from '../../src/logger.js';
import { createConsoleDriver } from '../../src/sinks/console.js';
import {
  type BatchPublisher,
  type BatchResult,
  createBatchPublisher,
} from '../../src/sinks/deliver-batch.js';
import { createSinkDriverRegistry } from '../../src/sinks/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertConsoleSink } from '../helpers/sinks.js';
import { waitFor } from '../helpers/wait.js';

// The delivery engine itself, on a real database, with the console driver writing into memory: the
// read-ahead of batch N+1 must never outlive a PATCH or a replay, and the publish lock must be held
// exactly while a batch is published.

const TENANT = 't_pub';
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

/**
 * Each sink follows a workspace of its own (w_<sink id>). A console sink whose lines land in `lines`;
 * `gate`, when set, holds each write until it resolves. `runMs` lengthens the publisher's runs, for tests
 * that need a batch prepared (its attempt recorded with the previous batch's completion) before the run ends.
 */
function setup(sinkId: string, opts: { runMs?: number; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  const control: { gate: Promise<void> | null; writing: boolean; fail: Error | null } = {
    gate: null,
    writing: false,
    fail: null,
  };
  const drivers = {
    ...createSinkDriverRegistry(),
    console: createConsoleDriver({
      async write(chunk) {
        control.writing = true;
        try {
          await control.gate;
          if (control.fail) throw control.fail;
          lines.push(...chunk.trimEnd().split('\n'));
        } finally {
          control.writing = false;
        }
      },
    }),
  };
  const publisher = createBatchPublisher(
    {
      pool: db.pool,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      keyring: createKeyring(randomBytes(32).toString('base64')),
      drivers,
      region: 'us-east-1',
      runMs: opts.runMs,
    },
    {
      tenantId: TENANT,
      sinkId,
      workflowId: null,
      runId: null,
      signal: opts.signal ?? new AbortController().signal,
    },
  );
  return { lines, control, publisher, ids: () => lines.map((l) => (JSON.parse(l) as { id: string }).id) };
}

function createSink(id: string) {
  return insertConsoleSink(db.pool, TENANT, id);
}

async function ingest(sinkId: string, prefix: string, count: number, action = 'test.publish') {
  const events = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}_${String(i).padStart(5, '0')}`,
    tenantId: TENANT,
    workspaceId: `w_${sinkId}`,
    occurredAt: new Date().toISOString(),
    actorKind: 'system' as const,
    actorUserId: null,
    actorApiKeyId: null,
    action,
    actionValid: true,
    resourceType: null,
    resourceId: null,
    metadata: {},
    ip: null,
    userAgent: null,
  }));
  await insertEvents(db.pool, events, { kind: 'api_key', id: 'key_publisher' });
  return events.map((e) => e.id);
}

/** next() until it publishes (other tests' open transactions may hold the read horizon back a moment). */
async function nextDelivered(
  publisher: BatchPublisher,
): Promise<Extract<BatchResult, { kind: 'delivered' }>> {
  return waitFor('a delivered batch', async () => {
    const r = await publisher.next();
    if (r.kind === 'caught_up') return undefined;
    assert.equal(r.kind, 'delivered');
    return r as Extract<BatchResult, { kind: 'delivered' }>;
  });
}

async function lockIsFree(sinkId: string): Promise<boolean> {
  const { rows } = await db.pool.query<{ free: boolean }>(
    `select pg_try_advisory_lock(hashtextextended('audit_sink:' || $1::text, 0)) as free`,
    [sinkId],
  );
  if (rows[0]!.free) {
    await db.pool.query(`select pg_advisory_unlock(hashtextextended('audit_sink:' || $1::text, 0))`, [
      sinkId,
    ]);
  }
  return rows[0]!.free;
}

/**
 * What PATCH, DELETE and replay do: take the publish lock in a transaction, then change the sink. Starts
 * at once and settles once it got the lock and committed; `locked` tells whether it has the lock yet.
 */
function changeUnderLock(sinkId: string, change: (tx: PoolClient) => Promise<unknown>) {
  const state = { locked: false, done: Promise.resolve() };
  state.done = (async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await lockSinkForPublish(client, sinkId);
      state.locked = true;
      await change(client);
      await client.query('commit');
    } finally {
      client.release();
    }
  })();
  return state;
}

const RUN_ENDS = () => new Promise((r) => setTimeout(r, 300));
/** Long enough that a batch completed right after the run started always prepares the next one. */
const LONG_RUN_MS = 2000;
const LONG_RUN_ENDS = () => new Promise((r) => setTimeout(r, LONG_RUN_MS + 100));

async function attempts(sinkId: string) {
  const { rows } = await db.pool.query<{ attempts: number; status: string; error: string | null }>(
    `select attempts, status, error from audit_sink_deliveries where sink_id = $1::text order by id`,
    [sinkId],
  );
  return rows;
}

test('batches go out in order, each once; the lock is free once the publisher is closed', async () => {
  await createSink('snk_order');
  const ids = await ingest('snk_order', 'order', 2500);
  const { publisher, ids: published } = setup('snk_order');
  const sizes: number[] = [];
  while (published().length < ids.length) sizes.push((await nextDelivered(publisher)).events);
  assert.equal(await lockIsFree('snk_order'), false, 'a run holds the publish lock between batches');
  await publisher.close();
  assert.ok(await lockIsFree('snk_order'));
  assert.deepEqual(sizes, [1000, 1000, 500]);
  assert.deepEqual(published(), ids);
  const sink = await findSink(db.pool, TENANT, 'snk_order');
  assert.equal(sink?.deliveredCount, 2500);
  const { rows } = await db.pool.query(
    `select status, count(*)::int as n from audit_sink_deliveries where sink_id = 'snk_order' group by status`,
  );
  assert.deepEqual(rows, [{ status: 'succeeded', n: 3 }]);
});

test('caught up, the publisher lets go of the lock', async () => {
  await createSink('snk_idle');
  await ingest('snk_idle', 'idle', 10);
  const { publisher } = setup('snk_idle');
  await nextDelivered(publisher);
  assert.equal((await publisher.next()).kind, 'caught_up');
  assert.ok(await lockIsFree('snk_idle'));
  await publisher.close();
});

test('a PATCH waiting on a run gets in when the run ends; its filter applies to the first batch read after it, not the one read ahead', async () => {
  await createSink('snk_filter');
  const first = await ingest('snk_filter', 'filter_a', 1000, 'keep.this');
  const prepared = await ingest('snk_filter', 'filter_b', 1000, 'drop.this');
  await ingest('snk_filter', 'filter_c', 1000, 'drop.this');
  const { publisher, ids: published } = setup('snk_filter', { runMs: LONG_RUN_MS });
  // Batch 1 goes out; batch 2 (drop.this) is prepared, its attempt recorded with batch 1's completion;
  // batch 3 is read ahead.
  await nextDelivered(publisher);
  const patch = changeUnderLock('snk_filter', (tx) =>
    updateSink(tx, TENANT, 'snk_filter', { filter: { actions: ['keep.*'] } }),
  );
  await LONG_RUN_ENDS();
  assert.equal(patch.locked, false, 'the PATCH waits while the run holds the lock');
  // The prepared batch is carried out before the run ends: it was committed to before the PATCH got in.
  assert.deepEqual(await publisher.next(), { kind: 'delivered', events: 1000, requests: 1 });
  assert.equal(patch.locked, false);
  const r = await publisher.next(); // the run is over: the lock goes to the PATCH first
  await patch.done;
  assert.deepEqual(
    r,
    { kind: 'skipped', events: 1000 },
    'batch 3 was published as read ahead, before the PATCH',
  );
  await publisher.close();
  assert.deepEqual(published(), [...first, ...prepared]);
});

test('a replay between two runs re-delivers from the rewound cursor', async () => {
  await createSink('snk_replay');
  const ids = await ingest('snk_replay', 'replay', 2000);
  const { publisher, ids: published } = setup('snk_replay', { runMs: LONG_RUN_MS });
  await nextDelivered(publisher); // batch 1; batch 2 prepared
  const replay = changeUnderLock('snk_replay', (tx) =>
    rewindSinkCursor(tx, TENANT, 'snk_replay', new Date(0)),
  );
  await LONG_RUN_ENDS();
  await nextDelivered(publisher); // the prepared batch 2
  assert.equal(replay.locked, false);
  await nextDelivered(publisher); // a new run, after the replay: batch 1 again, batch 2 prepared again
  await replay.done;
  await publisher.close(); // carries out the prepared batch 2
  assert.deepEqual(published(), [...ids, ...ids]);
});

test('an attempt recorded with the previous batch is always carried out: close() publishes it, or records it failed when cancelled', async () => {
  await createSink('snk_prep');
  const ids = await ingest('snk_prep', 'prep', 4000);
  const first = setup('snk_prep', { runMs: LONG_RUN_MS });
  await nextDelivered(first.publisher);
  assert.deepEqual(
    await attempts('snk_prep'),
    [
      { attempts: 1, status: 'succeeded', error: null },
      { attempts: 1, status: 'in_progress', error: null },
    ],
    "batch 2's attempt is recorded by the statement that completed batch 1",
  );
  await first.publisher.close();
  assert.deepEqual(first.ids(), ids.slice(0, 2000), 'close() published the prepared batch');
  assert.ok(await lockIsFree('snk_prep'));

  const cancel = new AbortController();
  const second = setup('snk_prep', { runMs: LONG_RUN_MS, signal: cancel.signal });
  await nextDelivered(second.publisher);
  cancel.abort();
  await second.publisher.close();
  assert.deepEqual(second.ids(), ids.slice(2000, 3000), 'nothing is published once cancelled');

  const third = setup('snk_prep');
  await nextDelivered(third.publisher);
  await third.publisher.close();
  assert.deepEqual(third.ids(), ids.slice(3000));
  assert.deepEqual(await attempts('snk_prep'), [
    { attempts: 1, status: 'succeeded', error: null },
    { attempts: 1, status: 'succeeded', error: null },
    { attempts: 1, status: 'succeeded', error: null },
    { attempts: 2, status: 'succeeded', error: null },
  ]);
});

test('the publish lock is held while a batch is published: a PATCH waits for it', async () => {
  await createSink('snk_lock');
  await ingest('snk_lock', 'lock', 10);
  const { publisher, control } = setup('snk_lock');
  let open: () => void = () => {};
  control.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const publishing = nextDelivered(publisher);
  await waitFor('the driver writing', async () => control.writing);
  const patch = changeUnderLock('snk_lock', async () => {});
  await RUN_ENDS();
  assert.equal(patch.locked, false, 'the PATCH waits while the batch is out');
  open();
  assert.equal((await publishing).events, 10);
  await publisher.close();
  await patch.done;
  assert.equal(patch.locked, true);
});

test('a failed publish keeps the cursor, records the attempt, frees the lock; the retry sends the same range', async () => {
  await createSink('snk_fail');
  const ids = await ingest('snk_fail', 'fail', 1200);
  const { publisher, control, ids: published } = setup('snk_fail');
  control.fail = new Error('collector down');
  await waitFor('a failed attempt', async () => {
    const r = await publisher.next().catch((err: Error) => err);
    return r instanceof Error ? r : undefined;
  });
  assert.ok(await lockIsFree('snk_fail'));
  const failing = await findSink(db.pool, TENANT, 'snk_fail');
  assert.match(failing?.lastError ?? '', /collector down/);
  control.fail = null;
  assert.equal((await nextDelivered(publisher)).events, 1000);
  assert.equal((await nextDelivered(publisher)).events, 200);
  await publisher.close();
  assert.deepEqual(published(), ids);
  assert.deepEqual(await attempts('snk_fail'), [
    { attempts: 2, status: 'succeeded', error: null },
    { attempts: 1, status: 'succeeded', error: null },
  ]);
});
