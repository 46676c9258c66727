import type { LogRange } from './log-consumers.js';
import type { Queryable } from './pool.js';

/** How long time buckets are kept: the 24 h window plus an hour of slack for a late rollup. */
const BUCKET_RETENTION = '25 hours';

/**
 * Rollup fold: adds a log range's events to the per-(tenant, workspace) totals and to the minute and
 * hour buckets of their received_at (UTC), in one statement that reads the range once. Buckets older
 * than the retention are neither written nor kept. Only the rollup writes these tables, under its
 * locked cursor, so concurrent folds never meet.
 */
export async function foldEventCounts(db: Queryable, range: LogRange): Promise<void> {
  await db.query(
    `with batch as (
       select tenant_id, workspace_id, date_trunc('minute', received_at, 'UTC') as minute, count(*) as n
       from audit_events
       where (txid, seq) > ($1::xid8, $2::bigint) and (txid, seq) <= ($3::xid8, $4::bigint)
       group by 1, 2, 3
     ),
     recent as (select * from batch where minute >= now() - interval '${BUCKET_RETENTION}'),
     minutes as (
       insert into audit_event_counts_minutely as m (tenant_id, minute, workspace_id, count)
       select tenant_id, minute, workspace_id, n from recent
       order by 1, 2, 3
       on conflict (tenant_id, minute, workspace_id) do update set count = m.count + excluded.count
     ),
     hours as (
       insert into audit_event_counts_hourly as h (tenant_id, hour, workspace_id, count)
       select tenant_id, date_trunc('hour', minute, 'UTC'), workspace_id, sum(n) from recent
       group by 1, 2, 3
       order by 1, 2, 3
       on conflict (tenant_id, hour, workspace_id) do update set count = h.count + excluded.count
     )
     insert into audit_event_counts as t (tenant_id, workspace_id, total)
     select tenant_id, workspace_id, sum(n) from batch
     group by 1, 2
     order by 1, 2
     on conflict (tenant_id, workspace_id) do update set total = t.total + excluded.total`,
    [range.from.txid, range.from.seq, range.to.txid, range.to.seq],
  );
  await db.query(
    `delete from audit_event_counts_minutely where minute < now() - interval '${BUCKET_RETENTION}'`,
  );
  await db.query(`delete from audit_event_counts_hourly where hour < now() - interval '${BUCKET_RETENTION}'`);
}

export interface EventCounts {
  total: number;
  last24h: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The 24 h window ending at `now`, cut to the minute: it starts at the beginning of the minute 24 h
 * ago. Whole hours come from the hourly buckets, the minutes before the first whole hour from the
 * minute buckets.
 */
export function last24hWindow(now: Date): { start: Date; firstWholeHour: Date } {
  const start = Math.floor((now.getTime() - 24 * HOUR_MS) / MINUTE_MS) * MINUTE_MS;
  return { start: new Date(start), firstWholeHour: new Date(Math.ceil(start / HOUR_MS) * HOUR_MS) };
}

/**
 * A tenant's event counts from the rollup's tables: a few dozen rows per workspace, never the events.
 * workspaceIds null: the whole tenant (every workspace and the tenant level); otherwise those workspaces.
 */
export async function readEventCounts(
  db: Queryable,
  tenantId: string,
  workspaceIds: string[] | null,
  now: Date,
): Promise<EventCounts> {
  const { start, firstWholeHour } = last24hWindow(now);
  const { rows } = await db.query<EventCounts>(
    `select
       coalesce((select sum(total) from audit_event_counts
         where tenant_id = $1::text and ($2::text[] is null or workspace_id = any($2::text[]))), 0)::bigint
         as "total",
       (coalesce((select sum(count) from audit_event_counts_hourly
          where tenant_id = $1::text and hour >= $4::timestamptz
            and ($2::text[] is null or workspace_id = any($2::text[]))), 0)
        + coalesce((select sum(count) from audit_event_counts_minutely
          where tenant_id = $1::text and minute >= $3::timestamptz and minute < $4::timestamptz
            and ($2::text[] is null or workspace_id = any($2::text[]))), 0))::bigint as "last24h"`,
    [tenantId, workspaceIds, start, firstWholeHour],
  );
  return rows[0]!;
}

/** Tenants that have stored at least one event (every tenant with something to snapshot). */
export async function listCountedTenants(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    'select distinct tenant_id from audit_event_counts order by tenant_id',
  );
  return rows.map((r) => r.tenant_id);
}
