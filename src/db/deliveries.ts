import type { SinkDelivery } from '../domain/sink.js';
import type { LogPosition } from '../sinks/driver.js';
import type { Queryable } from './pool.js';

/**
 * Delivery history: one row per batch, identified by the cursor it starts after. Every attempt of the
 * same batch bumps `attempts` on that row; the row ends `succeeded`, or stays `failed` with the last
 * error while the workflow keeps retrying.
 */
export interface DeliveryAttempt {
  tenantId: string;
  sinkId: string;
  after: LogPosition;
  last: LogPosition;
  eventCount: number;
  workflowId: string | null;
  runId: string | null;
}

/** Where an attempt was recorded: its row, and how many times the batch has now been tried. */
export interface RecordedAttempt {
  id: number;
  attempts: number;
}

/**
 * The statement that records an attempt (a new row, or one more try of a batch tried before), with its
 * parameters numbered from `$first`; completeBatch (db/sinks.ts) runs it after a cursor move.
 */
export function attemptInsert(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `insert into audit_sink_deliveries as d (tenant_id, sink_id, status, event_count, after_txid, after_seq,
       last_txid, last_seq, workflow_id, run_id)
     values (${p(0)}::text, ${p(1)}::text, 'in_progress', ${p(2)}::int, ${p(3)}::xid8, ${p(4)}::bigint,
       ${p(5)}::xid8, ${p(6)}::bigint, ${p(7)}::text, ${p(8)}::text)
     on conflict (sink_id, after_txid, after_seq) do update set
       status = 'in_progress', attempts = d.attempts + 1, event_count = excluded.event_count,
       last_txid = excluded.last_txid, last_seq = excluded.last_seq,
       workflow_id = excluded.workflow_id, run_id = excluded.run_id, finished_at = null
     returning id, attempts`;
}

export function attemptParams(a: DeliveryAttempt): unknown[] {
  return [
    a.tenantId,
    a.sinkId,
    a.eventCount,
    a.after.txid,
    a.after.seq,
    a.last.txid,
    a.last.seq,
    a.workflowId,
    a.runId,
  ];
}

export async function startDeliveryAttempt(db: Queryable, a: DeliveryAttempt): Promise<RecordedAttempt> {
  const { rows } = await db.query<RecordedAttempt>(attemptInsert(1), attemptParams(a));
  return rows[0]!;
}

/** The attempt failed (success is recorded with the cursor move: completeBatch in db/sinks.ts). */
export async function failDelivery(
  db: Queryable,
  tenantId: string,
  id: number,
  error: string,
): Promise<void> {
  await db.query(
    `update audit_sink_deliveries set status = 'failed', error = $3::text, finished_at = now()
     where tenant_id = $1::text and id = $2::bigint`,
    [tenantId, id, error],
  );
}

interface DeliveryRow {
  id: number;
  status: SinkDelivery['status'];
  event_count: number;
  attempts: number;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
  workflow_id: string | null;
  run_id: string | null;
}

/** Newest first, keyset-paged on id. */
export async function listDeliveries(
  db: Queryable,
  q: { tenantId: string; sinkId: string; beforeId?: number; limit: number },
): Promise<SinkDelivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `select id, status, event_count, attempts, error, started_at, finished_at, workflow_id, run_id
     from audit_sink_deliveries
     where tenant_id = $1::text and sink_id = $2::text and ($3::bigint is null or id < $3::bigint)
     order by id desc
     limit $4::int`,
    [q.tenantId, q.sinkId, q.beforeId ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    status: r.status,
    eventCount: r.event_count,
    attempts: r.attempts,
    error: r.error,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    workflowId: r.workflow_id,
    runId: r.run_id,
  }));
}
