import type { SinkFilter } from '../domain/sink.js';
import type { DeliveredEvent, LogPosition } from '../sinks/driver.js';
import { WIRE_COLUMNS, type WireRow, wireLineOf } from './events.js';
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
  /** The event's wire JSON (toWireLine's bytes), and the fields drivers use beside it. */
  line: string;
  event: DeliveredEvent;
  /** When the platform stored it, in ms since the epoch (the start of the delivery latency metric). */
  receivedAtMs: number;
}

function actionPatterns(filter: SinkFilter): { exact: string[] | null; prefixes: string[] | null } {
  if (!filter.actions) return { exact: null, prefixes: null };
  const exact = filter.actions.filter((a) => !a.endsWith('.*'));
  const prefixes = filter.actions
    .filter((a) => a.endsWith('.*'))
    .map((a) => `${a.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
  return { exact, prefixes };
}

interface LogRow extends WireRow {
  pos_txid: string;
  pos_seq: number;
  pos_received_ms: number;
  matches: boolean;
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
  const { rows } = await db.query<LogRow>(
    `select txid::text as pos_txid, seq as pos_seq,
       (extract(epoch from received_at) * 1000)::float8 as pos_received_ms,
       ($6::text[] is null or action = any($6::text[]) or action like any($7::text[]))
       and ($10::text[] is null or exists (
         select 1 from audit_action_inventory i
         where i.tenant_id = $1::text and i.action = audit_events.action and i.tags && $10::text[]
       )) as matches,
       ${WIRE_COLUMNS}
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
  return rows.map((row: LogRow) => ({
    position: { txid: row.pos_txid, seq: row.pos_seq },
    matches: row.matches,
    line: wireLineOf(row),
    event: {
      id: row.id,
      tenantId: row.tenant_id,
      workspaceId: row.workspace_id,
      action: row.action,
      occurredAt: row.occurred_at_iso,
    },
    receivedAtMs: row.pos_received_ms,
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
