import type { SinkFilter } from '../domain/sink.js';
import type { LogPosition } from '../sinks/driver.js';
import { attemptInsert, attemptParams, type DeliveryAttempt, type RecordedAttempt } from './deliveries.js';
import type { Queryable } from './pool.js';

export interface SinkRecord {
  tenantId: string;
  id: string;
  workspaceId: string;
  name: string;
  type: string;
  /** As stored: secret fields sealed (see sinks/config-secrets.ts). */
  config: Record<string, unknown>;
  filter: SinkFilter;
  enabled: boolean;
  paused: boolean;
  cursor: LogPosition;
  lastDeliveryAt: string | null;
  lastError: string | null;
  /** Events the destination accepted, and failed delivery attempts (metrics). */
  deliveredCount: number;
  failedCount: number;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Only filled by the reads that count it. */
  lagEvents?: number;
}

interface SinkRow {
  tenant_id: string;
  id: string;
  workspace_id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  filter: SinkFilter;
  enabled: boolean;
  paused: boolean;
  cursor_txid: string;
  cursor_seq: number;
  last_delivery_at: Date | null;
  last_error: string | null;
  delivered_count: number;
  failed_count: number;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  lag_events?: number;
}

const COLUMNS = `s.tenant_id, s.id, s.workspace_id, s.name, s.type, s.config, s.filter, s.enabled, s.paused,
  s.cursor_txid::text as cursor_txid, s.cursor_seq, s.last_delivery_at, s.last_error,
  s.delivered_count, s.failed_count, s.version,
  s.created_at, s.created_by, s.updated_at`;

/**
 * Lag: the workspace's events past the cursor. From counters where they are exact (see
 * 006_sink_passed_count.sql): the rollup's workspace total, plus the events past the rollup's cursor,
 * minus the events at or before the sink's cursor. Before its first advance (and after a rewind) a sink
 * has no passed_count yet, and its backlog is counted from the log. Either count stops at a cap, so a
 * huge backlog (or a rollup far behind) stays cheap; the answer is then at least the cap.
 */
export const LAG_CAP = 100_000;
const COUNT_FROM_LOG = `(select count(*) from (
    select 1 from audit_events e
    where e.tenant_id = s.tenant_id and e.workspace_id = s.workspace_id
      and (e.txid, e.seq) > (s.cursor_txid, s.cursor_seq)
    limit ${LAG_CAP}) lag)`;
const COUNT_FROM_COUNTERS = `greatest(0,
    coalesce((select c.total from audit_event_counts c
              where c.tenant_id = s.tenant_id and c.workspace_id = s.workspace_id), 0)
    + (select count(*) from (
        select 1 from audit_events e, audit_log_consumers r
        where r.name = 'rollup' and e.tenant_id = s.tenant_id and e.workspace_id = s.workspace_id
          and (e.txid, e.seq) > (r.txid, r.seq)
        limit ${LAG_CAP}) unfolded)
    - s.passed_count)`;
const LAG = `(case when s.passed_count is null then ${COUNT_FROM_LOG} else ${COUNT_FROM_COUNTERS} end)::int as lag_events`;

function toRecord(row: SinkRow): SinkRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    type: row.type,
    config: row.config,
    filter: row.filter,
    enabled: row.enabled,
    paused: row.paused,
    cursor: { txid: row.cursor_txid, seq: row.cursor_seq },
    lastDeliveryAt: row.last_delivery_at?.toISOString() ?? null,
    lastError: row.last_error,
    deliveredCount: row.delivered_count,
    failedCount: row.failed_count,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
    lagEvents: row.lag_events,
  };
}

export type NewSink = Pick<
  SinkRecord,
  | 'tenantId'
  | 'id'
  | 'workspaceId'
  | 'name'
  | 'type'
  | 'config'
  | 'filter'
  | 'enabled'
  | 'paused'
  | 'createdBy'
>;

/**
 * The cursor starts at (this transaction's id, 0): the sink delivers events written by this
 * transaction (its own `audit.sink_created`) and by every transaction that got its id later; events of
 * older transactions, even ones that commit after this one, are "before the sink existed".
 */
export async function insertSink(db: Queryable, s: NewSink): Promise<SinkRecord> {
  const { rows } = await db.query<SinkRow>(
    `insert into audit_sinks as s (tenant_id, id, workspace_id, name, type, config, filter, enabled, paused,
       cursor_txid, cursor_seq, created_by)
     values ($1::text, $2::text, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb, $8::boolean, $9::boolean,
       pg_current_xact_id(), 0, $10::text)
     returning ${COLUMNS}, 0 as lag_events`,
    [
      s.tenantId,
      s.id,
      s.workspaceId,
      s.name,
      s.type,
      JSON.stringify(s.config),
      JSON.stringify(s.filter),
      s.enabled,
      s.paused,
      s.createdBy,
    ],
  );
  return toRecord(rows[0]!);
}

export async function findSink(
  db: Queryable,
  tenantId: string,
  id: string,
  opts: { lag?: boolean } = {},
): Promise<SinkRecord | null> {
  const { rows } = await db.query<SinkRow>(
    `select ${COLUMNS}${opts.lag ? `, ${LAG}` : ''} from audit_sinks s
     where s.tenant_id = $1::text and s.id = $2::text`,
    [tenantId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** workspaceIds null: every workspace of the tenant. */
export async function listSinks(
  db: Queryable,
  tenantId: string,
  workspaceIds: string[] | null,
): Promise<SinkRecord[]> {
  const { rows } = await db.query<SinkRow>(
    `select ${COLUMNS}, ${LAG} from audit_sinks s
     where s.tenant_id = $1::text and ($2::text[] is null or s.workspace_id = any($2::text[]))
     order by s.created_at, s.id`,
    [tenantId, workspaceIds],
  );
  return rows.map(toRecord);
}

export interface SinkChanges {
  name?: string;
  config?: Record<string, unknown>;
  filter?: SinkFilter;
  enabled?: boolean;
  paused?: boolean;
}

export async function updateSink(
  db: Queryable,
  tenantId: string,
  id: string,
  changes: SinkChanges,
): Promise<SinkRecord> {
  const { rows } = await db.query<SinkRow>(
    `update audit_sinks s set
       name = coalesce($3::text, s.name),
       config = coalesce($4::jsonb, s.config),
       filter = coalesce($5::jsonb, s.filter),
       enabled = coalesce($6::boolean, s.enabled),
       paused = coalesce($7::boolean, s.paused),
       -- A new config deserves a fresh verdict; a real problem will show up again on the next attempt.
       last_error = case when $4::jsonb is not null or $6::boolean then null else s.last_error end,
       version = s.version + 1,
       updated_at = now()
     where s.tenant_id = $1::text and s.id = $2::text
     returning ${COLUMNS}, ${LAG}`,
    [
      tenantId,
      id,
      changes.name ?? null,
      changes.config === undefined ? null : JSON.stringify(changes.config),
      changes.filter === undefined ? null : JSON.stringify(changes.filter),
      changes.enabled ?? null,
      changes.paused ?? null,
    ],
  );
  return toRecord(rows[0]!);
}

export async function deleteSink(db: Queryable, tenantId: string, id: string): Promise<void> {
  await db.query('delete from audit_sinks where tenant_id = $1::text and id = $2::text', [tenantId, id]);
}

/** The publish lock's advisory key, from the sink id ($1). */
const PUBLISH_LOCK_KEY = `hashtextextended('audit_sink:' || $1::text, 0)`;

/**
 * The per-sink publish lock. The delivery engine holds it while it publishes a batch; PATCH, DELETE,
 * replay and the sink test take it before they act, so once they answer no batch is in flight and the
 * next one sees the change. An advisory lock: it never allocates a transaction id (which would hold back
 * every sink's read horizon), and a dead connection releases it.
 *
 * This one is transaction-level (released by commit or rollback), for the API's transactions.
 */
export async function lockSinkForPublish(db: Queryable, sinkId: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(${PUBLISH_LOCK_KEY})`, [sinkId]);
}

/**
 * The same lock held by the connection's session, across the delivery engine's autocommit statements
 * (the attempt must commit before publishing, under the lock). Released by unlockSinkForPublish, or by
 * closing the connection: a connection that could not unlock must not go back to the pool.
 */
export async function holdSinkPublishLock(db: Queryable, sinkId: string): Promise<void> {
  await db.query(`select pg_advisory_lock(${PUBLISH_LOCK_KEY})`, [sinkId]);
}

export async function unlockSinkForPublish(db: Queryable, sinkId: string): Promise<void> {
  const { rows } = await db.query<{ released: boolean }>(
    `select pg_advisory_unlock(${PUBLISH_LOCK_KEY}) as released`,
    [sinkId],
  );
  if (!rows[0]?.released) throw new Error(`the publish lock of sink ${sinkId} was not held`);
}

/**
 * The sink as the publisher sees it under its publish lock, with the range of an unfinished batch that
 * starts at its cursor (an earlier attempt failed or died mid-publish): the retry re-reads exactly it.
 */
export async function findSinkForPublish(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<{ sink: SinkRecord; unfinishedUpTo: LogPosition | null } | null> {
  const { rows } = await db.query<
    SinkRow & { unfinished_txid: string | null; unfinished_seq: number | null }
  >(
    `select ${COLUMNS}, d.last_txid::text as unfinished_txid, d.last_seq as unfinished_seq
     from audit_sinks s
     left join audit_sink_deliveries d
       on d.tenant_id = s.tenant_id and d.sink_id = s.id and d.after_txid = s.cursor_txid
         and d.after_seq = s.cursor_seq and d.status <> 'succeeded'
     where s.tenant_id = $1::text and s.id = $2::text`,
    [tenantId, id],
  );
  const row = rows[0];
  if (!row) return null;
  const unfinishedUpTo =
    row.unfinished_txid === null ? null : { txid: row.unfinished_txid, seq: row.unfinished_seq as number };
  return { sink: toRecord(row), unfinishedUpTo };
}

export interface WakeTarget {
  id: string;
  workspaceId: string;
  name: string;
  type: string;
}

export interface SinkToWake extends WakeTarget {
  /** How much longer (ms, by the database's clock) a delivery activity holds the sink's drain lease. */
  drainingForMs: number;
}

/** The enabled sinks that follow one workspace (what an ingest must wake). */
export async function listSinksToWake(
  db: Queryable,
  tenantId: string,
  workspaceId: string,
): Promise<SinkToWake[]> {
  const { rows } = await db.query<{
    id: string;
    workspace_id: string;
    name: string;
    type: string;
    draining_ms: number;
  }>(
    `select id, workspace_id, name, type,
       greatest(0, extract(epoch from (coalesce(draining_until, now()) - now())) * 1000)::float8 as draining_ms
     from audit_sinks
     where tenant_id = $1::text and workspace_id = $2::text and enabled and not paused`,
    [tenantId, workspaceId],
  );
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    type: r.type,
    drainingForMs: r.draining_ms,
  }));
}

/** A delivery activity is (still) draining this sink: ingest may skip waking it for `leaseMs`. */
export async function renewDrainLease(
  db: Queryable,
  tenantId: string,
  id: string,
  leaseMs: number,
): Promise<void> {
  await db.query(
    `update audit_sinks set draining_until = now() + make_interval(secs => $3::float8 / 1000)
     where tenant_id = $1::text and id = $2::text`,
    [tenantId, id, leaseMs],
  );
}

/**
 * Every enabled sink of every tenant: only for the worker's start-up reconciliation, which makes sure
 * each one has its delivery workflow.
 */
export async function listEnabledSinksForReconcile(
  db: Queryable,
): Promise<Array<WakeTarget & { tenantId: string }>> {
  const { rows } = await db.query<{
    tenant_id: string;
    id: string;
    workspace_id: string;
    name: string;
    type: string;
  }>('select tenant_id, id, workspace_id, name, type from audit_sinks where enabled order by tenant_id, id');
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    type: r.type,
  }));
}

/**
 * Counts passed_count once it can be exact: the sink's cursor is below the read horizon, so no
 * transaction can still commit at or before it (see 006_sink_passed_count.sql). A no-op (and no
 * transaction id) when it is already counted or not yet countable.
 */
export async function settlePassedCount(db: Queryable, tenantId: string, id: string): Promise<void> {
  await db.query(
    `update audit_sinks s set passed_count = (
       select count(*) from audit_events e
       where e.tenant_id = s.tenant_id and e.workspace_id = s.workspace_id
         and (e.txid, e.seq) <= (s.cursor_txid, s.cursor_seq))
     where s.tenant_id = $1::text and s.id = $2::text and s.passed_count is null
       and s.cursor_txid < pg_snapshot_xmin(pg_current_snapshot())`,
    [tenantId, id],
  );
}

/**
 * A batch went out (or was all filtered out): move the cursor, clear the error, count the delivered
 * events (metrics) and mark the delivery attempt succeeded, in one statement. With `next`, the same
 * statement records the attempt of the batch that follows (already read), saving the publisher a round
 * trip per batch; it answers that attempt.
 *
 * Without `next`, its commit does not wait for the WAL flush (synchronous_commit off, for this
 * statement's transaction only). A database crash can then lose the last moments of cursor moves, which
 * means those batches are published again: the at-least-once a worker crash already implies, with
 * history rolled back alike. Events themselves, and attempts (recorded before publishing), are committed
 * synchronously: with `next`, so is this statement.
 */
export async function completeBatch(
  db: Queryable,
  c: {
    tenantId: string;
    sinkId: string;
    to: LogPosition;
    /** The attempt to mark succeeded; null when nothing was published (only filtered-out entries). */
    attemptId: number | null;
    deliveredEvents: number;
    /** Log entries the cursor moves past (delivered and filtered out): they keep passed_count exact. */
    passedEvents: number;
  },
  next?: DeliveryAttempt,
): Promise<RecordedAttempt | null> {
  const moveCursor = `update audit_sinks s set cursor_txid = $3::xid8, cursor_seq = $4::bigint,
       last_delivery_at = case when $5::bigint is not null then now() else last_delivery_at end,
       last_error = case when $5::bigint is not null then null else last_error end,
       delivered_count = delivered_count + $6::bigint,
       passed_count = case
         when passed_count is not null then passed_count + $7::bigint
         else (select count(*) from audit_events e
               where e.tenant_id = s.tenant_id and e.workspace_id = s.workspace_id
                 and (e.txid, e.seq) <= ($3::xid8, $4::bigint))
       end`;
  const params = [c.tenantId, c.sinkId, c.to.txid, c.to.seq, c.attemptId, c.deliveredEvents, c.passedEvents];
  const succeeded = `attempt as (
       update audit_sink_deliveries set status = 'succeeded', error = null, finished_at = now()
       where tenant_id = $1::text and id = $5::bigint
     )`;
  if (next) {
    const { rows } = await db.query<RecordedAttempt>(
      `with ${succeeded}, moved as (
         ${moveCursor}
         where tenant_id = $1::text and id = $2::text
       )
       ${attemptInsert(params.length + 1)}`,
      [...params, ...attemptParams(next)],
    );
    return rows[0]!;
  }
  await db.query(
    `with ${succeeded}
     ${moveCursor}
     from (select set_config('synchronous_commit', 'off', true)) as async_commit
     where tenant_id = $1::text and id = $2::text`,
    params,
  );
  return null;
}

export async function recordSinkError(
  db: Queryable,
  tenantId: string,
  id: string,
  error: string,
): Promise<void> {
  await db.query(
    `update audit_sinks set last_error = $3::text, last_error_at = now(), failed_count = failed_count + 1
     where tenant_id = $1::text and id = $2::text`,
    [tenantId, id, error],
  );
}

/**
 * Events waiting for enabled sinks, summed per sink type across every tenant (the Prometheus backlog
 * gauge). Each sink's lag is counted the way the sinks API counts it, capped at LAG_CAP.
 */
export async function sinkBacklogByType(db: Queryable): Promise<Array<{ type: string; events: number }>> {
  const { rows } = await db.query<{ type: string; events: number }>(
    `select s.type, sum(lag.lag_events)::bigint as events
     from audit_sinks s cross join lateral (select ${LAG}) lag
     where s.enabled
     group by s.type order by s.type`,
  );
  return rows;
}
