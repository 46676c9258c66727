import { checkout, type PoolLike } from './db.js';
import { type OutboxTableOptions, outboxTables } from './tables.js';

/**
 * Creates the outbox and its dead-letter table in the producer's own database. Idempotent: run it on
 * every start. Concurrent starts serialize on an advisory lock so `create ... if not exists` never races.
 */
export async function migrate(pool: PoolLike, options: OutboxTableOptions = {}): Promise<void> {
  const t = outboxTables(options);
  const client = await checkout(pool);
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1::text))', [`audit-outbox:${t.label}`]);
    await client.query(`create schema if not exists ${t.schema}`);
    // seq gives the relay a stable claim order; id is the event id, the API's idempotency key.
    await client.query(`
      create table if not exists ${t.outbox} (
        seq         bigint generated always as identity primary key,
        id          text not null,
        event       jsonb not null,
        enqueued_at timestamptz not null default now()
      )`);
    await client.query(`
      create table if not exists ${t.deadLetter} (
        seq              bigint primary key,
        id               text not null,
        event            jsonb not null,
        enqueued_at      timestamptz not null,
        dead_lettered_at timestamptz not null default now(),
        status           int not null,
        error            jsonb not null
      )`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
