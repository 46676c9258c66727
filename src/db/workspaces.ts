import type { Queryable } from './pool.js';

/**
 * The workspace ids a tenant has used, as far as the platform knows without scanning the log: the
 * rollup's per-workspace totals (one row a workspace) and the sinks. A hint for pickers, not a
 * registry: workspaces are not declared anywhere, and an event of a new workspace shows here once
 * the rollup has folded it.
 */
export async function listKnownWorkspaceIds(
  db: Queryable,
  tenantId: string,
  limit: number,
): Promise<string[]> {
  const res = await db.query<{ workspace_id: string }>(
    `select workspace_id from audit_event_counts where tenant_id = $1::text and workspace_id is not null
     union
     select workspace_id from audit_sinks where tenant_id = $1::text
     order by 1
     limit $2::int`,
    [tenantId, limit],
  );
  return res.rows.map((r) => r.workspace_id);
}
