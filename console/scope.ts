import type { WhoAmI } from './types';

/**
 * Which part of the tenant a page reads: one workspace, every workspace ("*", tenant_admin only, and
 * audited), or the tenant-level events of a tenant-wide credential. Kept in the URL as `ws`.
 */
export type Scope = { kind: 'workspace'; workspaceId: string } | { kind: 'all' } | { kind: 'tenant' };

/** `ws=~` means the tenant level ("~" is not a workspace id character). */
const TENANT_LEVEL = '~';

export function scopeParam(scope: Scope): string {
  if (scope.kind === 'all') return '*';
  if (scope.kind === 'tenant') return TENANT_LEVEL;
  return scope.workspaceId;
}

export function defaultScope(me: WhoAmI): Scope {
  const first = (me.workspaceIds ?? me.knownWorkspaceIds)[0];
  return first ? { kind: 'workspace', workspaceId: first } : { kind: 'tenant' };
}

export function scopeFromParam(param: string | null, me: WhoAmI): Scope {
  if (param === null || param === '') return defaultScope(me);
  if (param === '*') return { kind: 'all' };
  if (param === TENANT_LEVEL) return { kind: 'tenant' };
  return { kind: 'workspace', workspaceId: param };
}

/** The API's `workspaceId` parameter for reads in this scope (absent = tenant level). */
export function apiWorkspaceId(scope: Scope): string | undefined {
  if (scope.kind === 'all') return '*';
  if (scope.kind === 'tenant') return undefined;
  return scope.workspaceId;
}

export function scopeLabel(scope: Scope): string {
  if (scope.kind === 'all') return 'All workspaces';
  if (scope.kind === 'tenant') return 'Tenant level (no workspace)';
  return scope.workspaceId;
}

export function mayViewAll(me: WhoAmI): boolean {
  return me.workspaceIds === null && me.permissions.includes('workspaces:cross');
}

/** The choices the picker offers: what this credential may read. */
export function scopeChoices(me: WhoAmI): Scope[] {
  const choices: Scope[] = (me.workspaceIds ?? me.knownWorkspaceIds).map((workspaceId) => ({
    kind: 'workspace',
    workspaceId,
  }));
  if (me.workspaceIds === null) choices.push({ kind: 'tenant' });
  if (mayViewAll(me)) choices.push({ kind: 'all' });
  return choices;
}
