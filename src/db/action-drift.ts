import type { Queryable } from './pool.js';

export interface ActionInventoryStats {
  /** Inventoried names (valid ones only). */
  total: number;
  canonical: number;
  /** Drift: names seen but still undecided (source discovered, hence not canonical). */
  discoveredNotCanonical: number;
  /** Drift: canonical names not received since `staleBefore` (pre-registered ones count from their decision). */
  staleCanonical: number;
  /** Events whose action broke the naming convention, exact. */
  invalidActionCount: number;
}

/** One tenant's inventory figures for metrics. */
export async function actionInventoryStats(
  db: Queryable,
  tenantId: string,
  staleBefore: Date,
): Promise<ActionInventoryStats> {
  const { rows } = await db.query<ActionInventoryStats>(
    `select
       count(*)::int as "total",
       (count(*) filter (where canonical))::int as "canonical",
       (count(*) filter (where source = 'discovered'))::int as "discoveredNotCanonical",
       (count(*) filter (where canonical and coalesce(last_seen_at, decided_at) < $2::timestamptz))::int
         as "staleCanonical",
       coalesce((select c.count from audit_invalid_action_counts c where c.tenant_id = $1::text), 0)::bigint
         as "invalidActionCount"
     from audit_action_inventory
     where tenant_id = $1::text`,
    [tenantId, staleBefore],
  );
  return rows[0]!;
}
