import type { Queryable } from './pool.js';

export interface PromotedAction {
  tenantId: string;
  action: string;
  count: number;
  firstSeenAt: string;
}

/**
 * Promotes every discovered entry seen at least `minCount` times and first seen at or before
 * `firstSeenBy`. Only source 'discovered' is touched, so manual decisions always stand; the rows are
 * locked first, in key order, and re-checked under the lock (read committed), so a manual PATCH that
 * commits meanwhile wins.
 */
export async function promoteDiscoveredActions(
  db: Queryable,
  p: { minCount: number; firstSeenBy: Date; decidedAt: Date },
): Promise<PromotedAction[]> {
  const { rows } = await db.query<{ tenant_id: string; action: string; count: number; first_seen_at: Date }>(
    `with due as (
       select tenant_id, action from audit_action_inventory
       where source = 'discovered' and count >= $1::bigint and first_seen_at <= $2::timestamptz
       order by tenant_id, action
       for update
     )
     update audit_action_inventory i
     set canonical = true, source = 'auto', suggested = false,
         decided_by = 'inventory-promotion', decided_at = $3::timestamptz
     from due
     where i.tenant_id = due.tenant_id and i.action = due.action
     returning i.tenant_id, i.action, i.count, i.first_seen_at`,
    [p.minCount, p.firstSeenBy, p.decidedAt],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    action: r.action,
    count: r.count,
    firstSeenAt: r.first_seen_at.toISOString(),
  }));
}

/**
 * Sets `suggested` on the discovered entries at or past the near-threshold marks (count and age
 * both), and clears it on those below. Answers how many are suggested now.
 */
export async function markSuggestedActions(
  db: Queryable,
  p: { minCount: number; firstSeenBy: Date },
): Promise<number> {
  await db.query(
    `with changed as (
       select tenant_id, action from audit_action_inventory
       where source = 'discovered'
         and suggested is distinct from coalesce(count >= $1::bigint and first_seen_at <= $2::timestamptz, false)
       order by tenant_id, action
       for update
     )
     update audit_action_inventory i
     set suggested = coalesce(i.count >= $1::bigint and i.first_seen_at <= $2::timestamptz, false)
     from changed
     where i.tenant_id = changed.tenant_id and i.action = changed.action`,
    [p.minCount, p.firstSeenBy],
  );
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from audit_action_inventory where source = 'discovered' and suggested`,
  );
  return rows[0]!.n;
}
