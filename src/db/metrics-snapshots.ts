import type { MetricsSnapshot } from '../domain/metrics.js';
import type { Queryable } from './pool.js';

export interface NewSnapshot {
  tenantId: string;
  metrics: Omit<MetricsSnapshot, 'takenAt'>;
}

/**
 * Stores one run's snapshots, all at `takenAt`, in one statement. A retried run (same scheduled time)
 * finds its rows and writes nothing.
 */
export async function insertMetricsSnapshots(
  db: Queryable,
  takenAt: Date,
  snapshots: NewSnapshot[],
): Promise<number> {
  const { rowCount } = await db.query(
    `insert into audit_metrics_snapshots (tenant_id, taken_at, metrics)
     select t.tenant_id, $1::timestamptz, t.metrics
     from unnest($2::text[], $3::jsonb[]) as t (tenant_id, metrics)
     on conflict (tenant_id, taken_at) do nothing`,
    [takenAt, snapshots.map((s) => s.tenantId), snapshots.map((s) => JSON.stringify(s.metrics))],
  );
  return rowCount ?? 0;
}

/** A tenant's snapshots taken in [from, to), oldest first, at most `limit`. */
export async function listMetricsSnapshots(
  db: Queryable,
  q: { tenantId: string; from: Date; to: Date; limit: number },
): Promise<MetricsSnapshot[]> {
  const { rows } = await db.query<{ taken_at: Date; metrics: Omit<MetricsSnapshot, 'takenAt'> }>(
    `select taken_at, metrics from audit_metrics_snapshots
     where tenant_id = $1::text and taken_at >= $2::timestamptz and taken_at < $3::timestamptz
     order by taken_at
     limit $4::int`,
    [q.tenantId, q.from, q.to, q.limit],
  );
  return rows.map((r) => ({ takenAt: r.taken_at.toISOString(), ...r.metrics }));
}

/** Drops snapshots taken before `before` (every tenant): the retention setting. */
export async function pruneMetricsSnapshots(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query(
    'delete from audit_metrics_snapshots where taken_at < $1::timestamptz',
    [before],
  );
  return rowCount ?? 0;
}
