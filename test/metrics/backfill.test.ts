import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readEventCounts } from '../../src/db/event-counts.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { ROLLUP_FOLDS } from '../../src/rollup/folds.js';
import { rollupStep } from '../../src/rollup/log-rollup.js';
import { testEnv } from '../helpers/env.js';

// An existing database upgraded to the metrics migration: events folded before the event-count fold
// existed must be counted by the migration's backfill, and the fold must take over exactly after it.
const MIGRATIONS = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
const METRICS_MIGRATION = 4;
const name = `audit_test_${randomBytes(6).toString('hex')}`;
let pool: Pool;
let oldDir: string;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: testEnv('AUDIT_TEST_ADMIN_DATABASE_URL') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

before(async () => {
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(testEnv('AUDIT_TEST_ADMIN_DATABASE_URL'));
  url.pathname = `/${name}`;
  pool = createPool(url.toString(), 4);
  // The schema as it was before metrics: only the migrations numbered below it.
  oldDir = await mkdtemp(join(tmpdir(), 'audit-old-migrations-'));
  for (const file of await readdir(MIGRATIONS)) {
    if (/^\d{3}_/.test(file) && Number.parseInt(file, 10) < METRICS_MIGRATION) {
      await copyFile(join(MIGRATIONS, file), join(oldDir, file));
    }
  }
  await migrate(pool, oldDir);
});
after(async () => {
  await pool?.end();
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
  await rm(oldDir, { recursive: true, force: true });
});

let n = 0;
async function insertEvent(tenantId: string, workspaceId: string | null, minutesAgo = 0): Promise<void> {
  await pool.query(
    `insert into audit_events (tenant_id, id, workspace_id, occurred_at, received_at, actor_kind, action, action_valid)
     values ($1::text, $2::text, $3::text, now(), now() - make_interval(mins => $4::int), 'system', 'x.y', true)`,
    [tenantId, `e${++n}`, workspaceId, minutesAgo],
  );
}

/** Folds with `folds` until `expected` events went through (the horizon is cluster-wide: poll). */
async function fold(folds: typeof ROLLUP_FOLDS, expected: number): Promise<void> {
  let total = 0;
  const deadline = Date.now() + 20_000;
  while (total < expected) {
    const step = await rollupStep(pool, folds);
    total += step;
    if (step === 0) {
      assert.ok(Date.now() < deadline, `only ${total} of ${expected} events folded`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.equal(total, expected);
}

test('the migration counts events up to the rollup cursor; the fold counts the rest, exactly once', async () => {
  // Before the upgrade: a rollup without the event-count fold (its tables do not exist yet).
  for (let i = 0; i < 3; i++) await insertEvent('t_old', 'w1');
  await insertEvent('t_old', null);
  await insertEvent('t_old', 'w1', 23 * 60); // inside the 24 h window
  await insertEvent('t_old', 'w2', 30 * 60); // outside the window, still in the total
  await insertEvent('t_other', 'w1');
  const preMetricsFolds = ROLLUP_FOLDS.filter((f) => f.name !== 'event-counts');
  await fold(preMetricsFolds, 7);
  // Written after the last fold: past the cursor, left to the new fold.
  await insertEvent('t_old', 'w1');
  await insertEvent('t_old', null, 10);

  // Sink counters start from the delivery history.
  await pool.query(
    `insert into audit_sinks (tenant_id, id, workspace_id, name, type, config, cursor_txid, cursor_seq, created_by)
     values ('t_old', 'snk_1', 'w1', 's', 'kinesis', '{}', '0', 0, 'test')`,
  );
  await pool.query(
    `insert into audit_sink_deliveries (tenant_id, sink_id, status, event_count, attempts, after_txid, after_seq, last_txid, last_seq)
     values ('t_old', 'snk_1', 'succeeded', 10, 1, '1', 1, '1', 2),
            ('t_old', 'snk_1', 'succeeded', 5, 3, '1', 2, '1', 3),
            ('t_old', 'snk_1', 'failed', 7, 2, '1', 3, '1', 4)`,
  );

  const applied = await migrate(pool);
  assert.ok(
    applied.some((m) => m.startsWith('004_')),
    applied.join(','),
  );
  const now = new Date();
  // The backfill alone: what the cursor had passed.
  assert.deepEqual(await readEventCounts(pool, 't_old', null, now), { total: 6, last24h: 5 });
  assert.deepEqual(await readEventCounts(pool, 't_old', ['w1'], now), { total: 4, last24h: 4 });
  assert.deepEqual(await readEventCounts(pool, 't_other', null, now), { total: 1, last24h: 1 });

  await fold(ROLLUP_FOLDS, 2);
  assert.deepEqual(await readEventCounts(pool, 't_old', null, now), { total: 8, last24h: 7 });
  assert.deepEqual(await readEventCounts(pool, 't_old', ['w1'], now), { total: 5, last24h: 5 });
  assert.deepEqual(await readEventCounts(pool, 't_old', ['w2'], now), { total: 1, last24h: 0 });
  assert.deepEqual(await readEventCounts(pool, 't_other', null, now), { total: 1, last24h: 1 });
  // Nothing left to fold, and folding again adds nothing.
  assert.equal(await rollupStep(pool), 0);

  const { rows } = await pool.query(
    `select delivered_count::int as delivered, failed_count::int as failed from audit_sinks where id = 'snk_1'`,
  );
  // 10 + 5 delivered; failed attempts: 2 of the batch that succeeded third time, 2 of the failing one.
  assert.deepEqual(rows[0], { delivered: 15, failed: 4 });
});
