import { type Queryable, queryRows } from './db.js';
import { type OutboxTableOptions, type OutboxTables, outboxTables } from './tables.js';

export interface OutboxRow {
  seq: string;
  id: string;
  /** The event as enqueued (already validated, with its id and occurredAt). */
  event: Record<string, unknown>;
}

/**
 * Locks the oldest rows no other relay holds. The locks last until the caller's transaction ends, so
 * a relay that dies mid-batch releases its rows to the others without anyone tracking leases.
 */
export async function claimRows(db: Queryable, t: OutboxTables, limit: number): Promise<OutboxRow[]> {
  // seq travels as text: bigint would not survive a JS number forever.
  return queryRows<OutboxRow>(
    db,
    `select seq::text as seq, id, event from ${t.outbox} order by seq limit $1::int for update skip locked`,
    [limit],
  );
}

export async function deleteRows(db: Queryable, t: OutboxTables, seqs: string[]): Promise<void> {
  await db.query(`delete from ${t.outbox} where seq = any($1::bigint[])`, [seqs]);
}

/** Moves one row to the dead-letter table with the API's answer, in one statement. */
export async function deadLetterRow(
  db: Queryable,
  t: OutboxTables,
  seq: string,
  status: number,
  error: unknown,
): Promise<void> {
  await db.query(
    `with moved as (delete from ${t.outbox} where seq = $1::bigint returning seq, id, event, enqueued_at)
     insert into ${t.deadLetter} (seq, id, event, enqueued_at, status, error)
     select seq, id, event, enqueued_at, $2::int, $3::jsonb from moved
     on conflict (seq) do nothing`,
    [seq, status, JSON.stringify(error ?? null)],
  );
}

export interface OutboxLag {
  /** Rows waiting in the outbox (including rows a relay is delivering right now). */
  pending: number;
  /** Age of the oldest waiting row in milliseconds; 0 when the outbox is empty. */
  oldestPendingAgeMs: number;
  deadLettered: number;
  measuredAt: string;
}

export async function readOutboxLag(db: Queryable, options: OutboxTableOptions = {}): Promise<OutboxLag> {
  const t = outboxTables(options);
  const rows = await queryRows<{ pending: number; age_ms: number | null; dead: number }>(
    db,
    `select (select count(*)::int from ${t.outbox}) as pending,
            (select (extract(epoch from clock_timestamp() - min(enqueued_at)) * 1000)::float8 from ${t.outbox}) as age_ms,
            (select count(*)::int from ${t.deadLetter}) as dead`,
  );
  const r = rows[0]!;
  return {
    pending: r.pending,
    oldestPendingAgeMs: Math.max(0, Math.round(r.age_ms ?? 0)),
    deadLettered: r.dead,
    measuredAt: new Date().toISOString(),
  };
}

/** Puts dead-lettered rows back into the outbox (after fixing the cause), keeping their ids. */
export async function requeueDeadLetters(
  db: Queryable,
  options: OutboxTableOptions & { ids?: readonly string[] | undefined } = {},
): Promise<number> {
  const t = outboxTables(options);
  const ids = options.ids;
  const { rowCount } = await db.query(
    `with moved as (
       delete from ${t.deadLetter} where $1::text[] is null or id = any($1::text[]) returning seq, id, event
     )
     insert into ${t.outbox} (id, event) select id, event from moved order by seq`,
    [ids ?? null],
  );
  return rowCount ?? 0;
}
