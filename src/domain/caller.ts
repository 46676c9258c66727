import { z } from '@hono/zod-openapi';

export const Role = z
  .enum(['producer', 'viewer', 'auditor', 'connector_builder', 'admin', 'tenant_admin'])
  .openapi('Role');
export type Role = z.infer<typeof Role>;

export type CallerKind = 'platform' | 'api_key' | 'jwt';

/**
 * Who is calling, resolved from the bearer token.
 * tenantId null: platform token, or a platform-wide producer key.
 * workspaceIds null: all workspaces of the tenant.
 */
export interface Caller {
  kind: CallerKind;
  tenantId: string | null;
  workspaceIds: string[] | null;
  role: Role | 'platform';
  /** Stable identifier of the actor: key id, JWT subject, or "platform". */
  actor: string;
}

export type Permission =
  | 'events:ingest'
  | 'events:read'
  | 'actions:manage'
  | 'sinks:manage'
  | 'keys:manage'
  | 'workspaces:cross';

const PERMISSIONS: Record<Role, readonly Permission[]> = {
  producer: ['events:ingest'],
  viewer: ['events:read'],
  auditor: ['events:read'],
  connector_builder: ['events:read', 'sinks:manage'],
  admin: ['events:read', 'actions:manage', 'sinks:manage'],
  tenant_admin: ['events:read', 'actions:manage', 'sinks:manage', 'keys:manage', 'workspaces:cross'],
};

export function roleAllows(role: Role | 'platform', permission: Permission): boolean {
  if (role === 'platform') return true;
  return PERMISSIONS[role].includes(permission);
}

/** How the platform records this caller as the actor of an event it writes on the caller's behalf. */
export function actorFields(caller: Caller): {
  actorKind: 'user' | 'api_key' | 'system';
  actorUserId: string | null;
  actorApiKeyId: string | null;
} {
  switch (caller.kind) {
    case 'api_key':
      return { actorKind: 'api_key', actorUserId: null, actorApiKeyId: caller.actor };
    case 'jwt':
      return { actorKind: 'user', actorUserId: caller.actor, actorApiKeyId: null };
    case 'platform':
      return { actorKind: 'system', actorUserId: 'platform', actorApiKeyId: null };
  }
}
