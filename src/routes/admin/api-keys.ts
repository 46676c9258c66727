import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission } from '../../auth/scope.js';
import { generateApiKey } from '../../auth/tokens.js';
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.js';
import { withTransaction } from '../../db/pool.js';
import { type Caller, Role } from '../../domain/caller.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { TenantId, WorkspaceId } from '../../domain/event.js';
import { unstorableText } from '../../domain/text.js';
import { newEventId, recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { problemResponses } from '../problem-responses.js';

const ApiKey = z
  .object({
    id: z.string(),
    tenantId: z.string().nullable(),
    role: Role,
    workspaceIds: z.array(z.string()).nullable(),
    name: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey', {
    example: {
      id: 'key_01JF3ZP4S6U8W0Y2A4C6E8G0J2',
      tenantId: 'acme',
      role: 'producer',
      workspaceIds: ['ws_finance'],
      name: 'billing service',
      createdAt: '2026-11-30T09:00:00.000Z',
      createdBy: 'platform',
      revokedAt: null,
    },
  });

const CreateApiKey = z
  .object({
    tenantId: TenantId.optional().openapi({ description: 'Omit only for a platform-wide producer key.' }),
    role: Role,
    workspaceIds: z.array(WorkspaceId).min(1).max(100).nullish(),
    name: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi('CreateApiKey', {
    example: { tenantId: 'acme', role: 'producer', workspaceIds: ['ws_finance'], name: 'billing service' },
  });

const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({ description: 'The secret; shown once, stored only as a hash.' }),
}).openapi('CreatedApiKey', {
  example: {
    id: 'key_01JF3ZP4S6U8W0Y2A4C6E8G0J2',
    tenantId: 'acme',
    role: 'producer',
    workspaceIds: ['ws_finance'],
    name: 'billing service',
    createdAt: '2026-11-30T09:00:00.000Z',
    createdBy: 'platform',
    revokedAt: null,
    key: 'ak_Xq3v9ZbT1mR8kP2wL6yN4sD7fH0jC5aE9uG1iO3tB8Q',
  },
});

const createKey = createRoute({
  method: 'post',
  path: '/v1/admin/api-keys',
  operationId: 'createApiKey',
  tags: ['admin'],
  middleware: [authorizeBody('keys:manage')] as const,
  summary: 'Create an API key (platform token, or tenant_admin for its own tenant)',
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKey } } } },
  responses: {
    201: {
      description: 'created; the key is shown once',
      content: { 'application/json': { schema: CreatedApiKey } },
    },
    ...problemResponses(400, 401, 403, 415, 429, 503),
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/v1/admin/api-keys',
  operationId: 'listApiKeys',
  tags: ['admin'],
  summary: 'List API keys (never their secrets)',
  request: { query: z.object({ tenantId: z.string().min(1).optional() }) },
  responses: {
    200: {
      description: 'keys',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(ApiKey) }).openapi('ApiKeyList', { example: { data: [] } }),
        },
      },
    },
    ...problemResponses(401, 403, 429, 503),
  },
});

const deleteKey = createRoute({
  method: 'delete',
  path: '/v1/admin/api-keys/{id}',
  operationId: 'revokeApiKey',
  tags: ['admin'],
  summary: 'Revoke an API key',
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .refine((s) => unstorableText(s) === null, 'must not contain U+0000'),
    }),
  },
  responses: { 204: { description: 'revoked' }, ...problemResponses(401, 403, 404, 429, 503) },
});

/** The tenant whose keys this caller manages: any (null) for the platform, its own for a tenant_admin. */
function managedTenant(caller: Caller, requested: string | undefined): string | null {
  requirePermission(caller, 'keys:manage');
  if (caller.kind === 'platform') return requested ?? null;
  if (requested !== undefined && requested !== caller.tenantId) {
    throw new ForbiddenError('a tenant_admin manages the keys of its own tenant only');
  }
  return caller.tenantId;
}

/**
 * Whether a workspace-bound caller may see and manage this key: only a key bound to workspaces that
 * are all its own. A tenant-wide key (workspaceIds null) reaches further than any workspace set.
 */
function withinCallerWorkspaces(caller: Caller, key: { workspaceIds: string[] | null }): boolean {
  if (caller.workspaceIds === null) return true;
  return key.workspaceIds?.every((w) => caller.workspaceIds!.includes(w)) ?? false;
}

export function registerApiKeyRoutes(app: App, deps: AppDeps): void {
  app.openapi(createKey, async (c) => {
    const caller = c.get('caller');
    const body = c.req.valid('json');
    const tenantId = managedTenant(caller, body.tenantId);
    if (tenantId === null && body.role !== 'producer') {
      throw new ValidationError('only producer keys may be platform-wide; name a tenantId', {
        errors: [{ pointer: '/tenantId', detail: 'required unless role is producer' }],
      });
    }
    const workspaceIds = body.workspaceIds ?? null;
    if (caller.workspaceIds !== null) {
      // A workspace-bound admin cannot mint a key that reaches further than itself.
      if (workspaceIds === null || workspaceIds.some((w) => !caller.workspaceIds!.includes(w))) {
        throw new ForbiddenError('a workspace-bound caller may only create keys within its own workspaces');
      }
    }
    const { key, hash } = generateApiKey();
    const record = await withTransaction(deps.pool, async (tx) => {
      const created = await insertApiKey(tx, {
        id: `key_${newEventId()}`,
        tenantId,
        role: body.role,
        workspaceIds,
        name: body.name ?? null,
        keyHash: hash,
        createdBy: caller.actor,
      });
      if (tenantId !== null) {
        await recordAuditEvent(tx, deps.actionMaxSegments, {
          tenantId,
          workspaceId: null,
          caller,
          action: 'audit.api_key_created',
          resourceType: 'api_key',
          resourceId: created.id,
          metadata: { role: created.role, workspaceIds: created.workspaceIds, name: created.name },
        });
      }
      return created;
    });
    deps.logger.info({ keyId: record.id, tenantId, role: record.role, by: caller.actor }, 'api key created');
    return c.json({ ...record, key }, 201);
  });

  app.openapi(listKeys, async (c) => {
    const caller = c.get('caller');
    const tenantId = managedTenant(caller, c.req.valid('query').tenantId);
    const keys = await listApiKeys(deps.pool, tenantId);
    return c.json({ data: keys.filter((k) => withinCallerWorkspaces(caller, k)) }, 200);
  });

  app.openapi(deleteKey, async (c) => {
    const caller = c.get('caller');
    const tenantId = managedTenant(caller, undefined);
    const { id } = c.req.valid('param');
    await withTransaction(deps.pool, async (tx) => {
      const key = await findApiKey(tx, id, tenantId);
      if (!key) throw new NotFoundError(`no API key ${id}`);
      if (!withinCallerWorkspaces(caller, key)) {
        throw new ForbiddenError('a workspace-bound caller may only revoke keys within its own workspaces');
      }
      await revokeApiKey(tx, id);
      if (key.tenantId !== null) {
        await recordAuditEvent(tx, deps.actionMaxSegments, {
          tenantId: key.tenantId,
          workspaceId: null,
          caller,
          action: 'audit.api_key_revoked',
          resourceType: 'api_key',
          resourceId: id,
          metadata: {},
        });
      }
    });
    return c.body(null, 204);
  });
}
