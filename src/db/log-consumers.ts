import type { Queryable } from './pool.js';

/** A position in the event log: ingest order is (txid, seq). txid is an xid8, kept as its decimal text. */
export interface LogPosition {
  txid: string;
  seq: number;
}

/** The events after `from` up to and including `to`, `count` of them. Immutable once returned. */
export interface LogRange {
  from: LogPosition;
  to: LogPosition;
  count: number;
}

/**
 * Locks a consumer's cursor row for the current transaction. Null when another process holds it
 * (skip locked): that process is already folding the next batch, so this one has nothing to do.
 */
export async function claimLogConsumer(db: Queryable, name: string): Promise<LogPosition | null> {
  const { rows } = await db.query<{ txid: string; seq: number }>(
    `select txid::text as txid, seq from audit_log_consumers where name = $1::text for update skip locked`,
    [name],
  );
  return rows[0] ?? null;
}

/**
 * The next at most `limit` events after `after`, as a range. Only rows of transactions older than every
 * transaction still running are read (txid below the snapshot's xmin): a transaction that commits late
 * always has a txid at or above that horizon, so a cursor that moves past a row never skips one.
 */
export async function nextLogRange(
  db: Queryable,
  after: LogPosition,
  limit: number,
): Promise<LogRange | null> {
  const { rows } = await db.query<{ txid: string; seq: number; count: number }>(
    `with batch as (
       select txid, seq from audit_events
       where (txid, seq) > ($1::xid8, $2::bigint)
         and txid < pg_snapshot_xmin(pg_current_snapshot())
       order by txid, seq
       limit $3::int
     )
     select batch.txid::text as txid, batch.seq, (count(*) over ())::int as count
     from batch order by batch.txid desc, batch.seq desc limit 1`,
    [after.txid, after.seq, limit],
  );
  const last = rows[0];
  return last ? { from: after, to: { txid: last.txid, seq: last.seq }, count: last.count } : null;
}

export async function advanceLogConsumer(db: Queryable, name: string, to: LogPosition): Promise<void> {
  await db.query(
    `update audit_log_consumers set txid = $2::xid8, seq = $3::bigint, updated_at = now()
     where name = $1::text`,
    [name, to.txid, to.seq],
  );
}
