import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Queryable } from '../../src/db/pool.js';
import { renewDrainLease } from '../../src/db/sinks.js';
import { createLogger } from '../../src/logger.js';
import { createSinkWaker } from '../../src/sinks/wake-on-ingest.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertConsoleSink } from '../helpers/sinks.js';
import { waitFor } from '../helpers/wait.js';

// The waker against a real database: which sinks it signals after an ingest, given their drain leases.
// Its only output is the wake-up it asks of the workflow control, recorded here.

const TENANT = 't_waker';
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

/** A waker whose lookups are counted and whose wake-ups are recorded; ingest() settles one decision. */
function startWaker(workspaceId: string, opts: { debounceMs: number }) {
  const state = { lookups: 0, signals: [] as string[] };
  // The waker's database, counting the lookups it makes.
  const pool = {
    query: (text: string, values: unknown[]) =>
      db.pool.query(text, values).finally(() => {
        state.lookups++;
      }),
  } as unknown as Queryable;
  const waker = createSinkWaker({
    pool,
    control: {
      async wake(sink) {
        state.signals.push(sink.id);
      },
    },
    logger: createLogger('silent'),
    debounceMs: opts.debounceMs,
    // Far longer than the leases below: only a lease's end or a signal can make the waker look again.
    cacheTtlMs: 60_000,
  });
  const started = Date.now();
  return {
    state,
    waker,
    /** An ingest to the workspace, and the waker's lookup (when it makes one) and decision settled. */
    async ingest(lookupsAfter: number) {
      waker.eventsStored([{ tenantId: TENANT, workspaceId }]);
      await waitFor(`lookup ${lookupsAfter}`, async () => state.lookups >= lookupsAfter, 5000, 10);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(state.lookups, lookupsAfter);
    },
    sleepUntil: (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, started + ms - Date.now()))),
  };
}

test('a drain lease renewed while the lookup is cached is read again when the cached one ends: no signal', async () => {
  await insertConsoleSink(db.pool, TENANT, 's_lease', 'w_lease');
  const { state, waker, ingest, sleepUntil } = startWaker('w_lease', { debounceMs: 1 });
  try {
    // A delivery activity holds the lease: the ingest looks the sink up and sends nothing.
    await renewDrainLease(db.pool, TENANT, 's_lease', 1000);
    await ingest(1);
    assert.deepEqual(state.signals, []);

    // The activity renews it, as it does every second; the waker's copy still says the first end.
    await renewDrainLease(db.pool, TENANT, 's_lease', 3000);
    await sleepUntil(1300);
    await ingest(2);
    assert.deepEqual(state.signals, [], 'signalled on a lease that had been renewed');

    // The activity lets go: once the lease the waker last saw has ended, the next ingest signals.
    await renewDrainLease(db.pool, TENANT, 's_lease', 0);
    await ingest(2);
    assert.deepEqual(
      state.signals,
      [],
      'within the renewed lease as last seen, nothing is looked up or sent',
    );
    await sleepUntil(3400);
    await ingest(3);
    assert.deepEqual(state.signals, ['s_lease']);
  } finally {
    waker.stop();
  }
});

test("a burst's trailing signal is cancelled once a lookup sees the lease the first signal's activity took", async () => {
  await insertConsoleSink(db.pool, TENANT, 's_burst', 'w_burst');
  const { state, waker, ingest, sleepUntil } = startWaker('w_burst', { debounceMs: 1000 });
  try {
    // An idle sink: the first ingest signals at once.
    await ingest(1);
    assert.deepEqual(state.signals, ['s_burst']);
    // More events within the debounce window: a trailing signal is due at 1 s. Meanwhile the woken
    // activity takes the lease.
    await ingest(1);
    await renewDrainLease(db.pool, TENANT, 's_burst', 5000);
    // Half a window after a signal the waker looks again, sees the lease, and drops the trailing signal.
    await sleepUntil(600);
    await ingest(2);
    await sleepUntil(1400);
    assert.deepEqual(state.signals, ['s_burst'], 'the trailing signal went to a sink being drained');
  } finally {
    waker.stop();
  }
});
