import type { Context } from 'hono';
import { requirePermission, resolveTenant } from '../auth/scope.js';
import type { Pool } from '../db/pool.js';
import type { Caller, Permission } from '../domain/caller.js';
import { recordAuditEvent } from '../events/store.js';
import type { AppEnv } from './env.js';

export interface TenantRequest {
  caller: Caller;
  tenantId: string;
}

/**
 * Checks the permission, resolves the tenant, and records platform-token use in that tenant's log:
 * the operator can act on any tenant, but never silently.
 */
export async function tenantRequest(
  c: Context<AppEnv>,
  deps: { pool: Pool; actionMaxSegments: number },
  permission: Permission,
  requestedTenantId: string | undefined,
): Promise<TenantRequest> {
  const caller = c.get('caller');
  requirePermission(caller, permission);
  const tenantId = resolveTenant(caller, requestedTenantId);
  if (caller.kind === 'platform') {
    await recordAuditEvent(deps.pool, deps.actionMaxSegments, {
      tenantId,
      workspaceId: null,
      caller,
      action: 'audit.platform_token_used',
      resourceType: 'api',
      resourceId: null,
      metadata: { method: c.req.method, path: c.req.path },
    });
  }
  return { caller, tenantId };
}
