import type { AuditEvent } from '../domain/event.js';
import type { SinkFilter } from '../domain/sink.js';
import type { LogPosition } from '../sinks/driver.js';
import { EVENT_COLUMNS, rowToEvent } from './events.js';
import type { Queryable } from './pool.js';

/**
 * Following one workspace's log for a sink, in ingest order (txid, seq).
 *
 * The sink's filter decides `matches`: `actions` (exact names or "prefix.*") and `tags` (the action
 * carries one of them in the tenant's inventory, as it stands when the batch is read); with both, an
 * event must pass both.
 *
 * Only rows of transactions older than the oldest one still running (pg_snapshot_xmin) are read:
 * a transaction that started earlier but commits later would otherwise land behind a cursor that has
 * already moved past it. Such rows simply become visible to the next read.
 */
export interface LogEntry {
  position: LogPosition;
  /** Whether the sink's filter lets the event through; filtered rows still move the cursor. */
  matches: boolean;
  event: AuditEvent;
  /** When the platform stored it (the start of the delivery latency metric). */
  receivedAt: Date;
}

function actionPatterns(filter: SinkFilter): { exact: string[] | null; prefixes: string[] | null } {
  if (!filter.actions) return { exact: null, prefixes: null };
  const exact = filter.actions.filter((a) => !a.endsWith('.*'));
  const prefixes = filter.actions
    .filter((a) => a.endsWith('.*'))
    .map((a) => `${a.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
  return { exact, prefixes };
}

export async function readSinkLog(
  db: Queryable,
  q: {
    tenantId: string;
    workspaceId: string;
    after: LogPosition;
    /** Inclusive upper bound: a retried batch re-reads exactly what its first attempt read. */
    upTo?: LogPosition;
    filter: SinkFilter;
    limit: number;
  },
): Promise<LogEntry[]> {
  const { exact, prefixes } = actionPatterns(q.filter);
  const { rows } = await db.query(
    `select txid::text as pos_txid, seq as pos_seq, received_at as pos_received_at,
       ($6::text[] is null or action = any($6::text[]) or action like any($7::text[]))
       and ($10::text[] is null or exists (
         select 1 from audit_action_inventory i
         where i.tenant_id = $1::text and i.action = audit_events.action and i.tags && $10::text[]
       )) as matches,
       ${EVENT_COLUMNS}
     from audit_events
     where tenant_id = $1::text and workspace_id = $2::text
       and (txid, seq) > ($3::xid8, $4::bigint)
       and ($8::xid8 is null or (txid, seq) <= ($8::xid8, $9::bigint))
       and txid < pg_snapshot_xmin(pg_current_snapshot())
     order by txid, seq
     limit $5::int`,
    [
      q.tenantId,
      q.workspaceId,
      q.after.txid,
      q.after.seq,
      q.limit,
      exact,
      prefixes ?? [],
      q.upTo?.txid ?? null,
      q.upTo?.seq ?? null,
      q.filter.tags ?? null,
    ],
  );
  return rows.map((row) => ({
    position: { txid: row.pos_txid as string, seq: row.pos_seq as number },
    matches: row.matches as boolean,
    event: rowToEvent(row),
    receivedAt: row.pos_received_at as Date,
  }));
}

/** Are there rows past the position that the horizon still hides (their transaction started before an open one)? */
export async function hasPendingEntries(
  db: Queryable,
  q: { tenantId: string; workspaceId: string; after: LogPosition },
): Promise<boolean> {
  const { rows } = await db.query<{ pending: boolean }>(
    `select exists (
       select 1 from audit_events
       where tenant_id = $1::text and workspace_id = $2::text and (txid, seq) > ($3::xid8, $4::bigint)
     ) as pending`,
    [q.tenantId, q.workspaceId, q.after.txid, q.after.seq],
  );
  return rows[0]!.pending;
}
