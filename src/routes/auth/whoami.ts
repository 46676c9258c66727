import { createRoute, z } from '@hono/zod-openapi';
import { listKnownWorkspaceIds } from '../../db/workspaces.js';
import { type Caller, type Permission, Role, roleAllows } from '../../domain/caller.js';
import type { App, AppDeps } from '../../http/app.js';
import { problemResponses } from '../problem-responses.js';

const PERMISSIONS = [
  'events:ingest',
  'events:read',
  'actions:manage',
  'sinks:manage',
  'keys:manage',
  'workspaces:cross',
] as const satisfies readonly Permission[];

/** How many known workspace ids the answer lists at most. */
const MAX_KNOWN_WORKSPACES = 500;

const WhoAmI = z
  .object({
    kind: z.enum(['platform', 'api_key', 'jwt']),
    tenantId: z
      .string()
      .nullable()
      .openapi({ description: 'null: the platform token or a platform-wide producer key.' }),
    workspaceIds: z.array(z.string()).nullable().openapi({
      description: 'The workspaces the credential is bound to; null = every workspace of the tenant.',
    }),
    role: z.union([Role, z.literal('platform')]),
    actor: z.string().openapi({
      description: 'How events written on this caller’s behalf name it: key id, JWT subject or "platform".',
    }),
    permissions: z
      .array(z.enum(PERMISSIONS))
      .openapi({ description: 'What the role allows (see the roles table).' }),
    knownWorkspaceIds: z.array(z.string()).openapi({
      description: `Workspaces this caller may read: its bound workspaces, or for a tenant-wide caller the workspaces the tenant has events or sinks in (at most ${MAX_KNOWN_WORKSPACES}; a workspace's first events show once the rollup folded them).`,
    }),
  })
  .openapi('WhoAmI', {
    example: {
      kind: 'api_key',
      tenantId: 't_1',
      workspaceIds: ['w_1'],
      role: 'connector_builder',
      actor: 'key_01HMV3Q4Y0S7ZK8Q2B5N6C9D1E',
      permissions: ['events:read', 'sinks:manage'],
      knownWorkspaceIds: ['w_1'],
    },
  });

const route = createRoute({
  method: 'get',
  path: '/v1/auth/whoami',
  operationId: 'getWhoAmI',
  tags: ['auth'],
  summary: 'The caller context of the bearer token',
  description:
    'Any valid credential may ask (a producer key too). Lets a client show only what the credential may do; every operation still checks for itself.',
  responses: {
    200: { description: 'the caller', content: { 'application/json': { schema: WhoAmI } } },
    ...problemResponses(401, 429, 503),
  },
});

async function knownWorkspaces(deps: AppDeps, caller: Caller): Promise<string[]> {
  if (caller.workspaceIds !== null) return caller.workspaceIds;
  if (caller.tenantId === null || !roleAllows(caller.role, 'events:read')) return [];
  return listKnownWorkspaceIds(deps.pool, caller.tenantId, MAX_KNOWN_WORKSPACES);
}

export function registerWhoAmI(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const caller = c.get('caller');
    return c.json(
      {
        kind: caller.kind,
        tenantId: caller.tenantId,
        workspaceIds: caller.workspaceIds,
        role: caller.role,
        actor: caller.actor,
        permissions: PERMISSIONS.filter((p) => roleAllows(caller.role, p)),
        knownWorkspaceIds: await knownWorkspaces(deps, caller),
      },
      200,
    );
  });
}
