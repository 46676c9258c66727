import type { ReadScope } from '../db/events.js';
import { type Caller, type Permission, roleAllows } from '../domain/caller.js';
import { ForbiddenError, ValidationError } from '../domain/errors.js';

export const ALL_WORKSPACES = '*';

export function requirePermission(caller: Caller, permission: Permission): void {
  if (!roleAllows(caller.role, permission)) {
    throw new ForbiddenError(`role ${caller.role} may not ${permission.replace(':', ' ')}`);
  }
}

/**
 * The tenant a request acts on. Tenant-bound callers act on their own tenant (naming another is 403);
 * the platform token must name one explicitly.
 */
export function resolveTenant(caller: Caller, requested: string | undefined): string {
  if (caller.tenantId !== null) {
    if (requested !== undefined && requested !== caller.tenantId) {
      throw new ForbiddenError('this credential is bound to another tenant');
    }
    return caller.tenantId;
  }
  if (requested === undefined) {
    throw new ValidationError('the platform token must name a tenant with the tenantId parameter', {
      errors: [{ pointer: 'tenantId', detail: 'required for platform-wide credentials' }],
    });
  }
  return requested;
}

/** May this caller touch this workspace (null = the tenant level)? */
export function assertWorkspaceAccess(caller: Caller, workspaceId: string | null): void {
  if (caller.workspaceIds === null) return;
  if (workspaceId === null) {
    throw new ForbiddenError('this credential is bound to workspaces and cannot reach tenant-level data');
  }
  if (!caller.workspaceIds.includes(workspaceId)) {
    throw new ForbiddenError(`this credential has no access to workspace ${workspaceId}`);
  }
}

/**
 * The SPEC's read scope rule for `workspaceId`:
 * an id reads that workspace; "*" reads everything (tenant-wide tenant_admin only); absent reads the
 * caller's only workspace, or the tenant level for a tenant-wide caller, and is a 400 otherwise.
 */
export function resolveReadScope(caller: Caller, workspaceId: string | undefined): ReadScope {
  if (workspaceId === ALL_WORKSPACES) {
    if (!roleAllows(caller.role, 'workspaces:cross') || caller.workspaceIds !== null) {
      throw new ForbiddenError('workspaceId=* is reserved to tenant-wide tenant_admin callers');
    }
    return { kind: 'all' };
  }
  if (workspaceId !== undefined) {
    assertWorkspaceAccess(caller, workspaceId);
    return { kind: 'workspace', workspaceId };
  }
  if (caller.workspaceIds === null) return { kind: 'tenant' };
  if (caller.workspaceIds.length === 1) return { kind: 'workspace', workspaceId: caller.workspaceIds[0]! };
  throw new ValidationError('workspaceId is required for a credential bound to several workspaces', {
    errors: [{ pointer: 'workspaceId', detail: `one of ${caller.workspaceIds.join(', ')}` }],
  });
}
