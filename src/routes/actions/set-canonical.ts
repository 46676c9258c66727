import { createRoute, z } from '@hono/zod-openapi';
import { lockAction, setActionCanonical } from '../../db/action-inventory.js';
import { withTransaction } from '../../db/pool.js';
import { ActionEntry } from '../../domain/action-inventory.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { ActionParam, assertInventoriable, TenantQuery } from './schemas.js';

const SetCanonical = z
  .object({ canonical: z.boolean() })
  .strict()
  .openapi('SetActionCanonical', { example: { canonical: true } });

const route = createRoute({
  method: 'patch',
  path: '/v1/audit/actions/{action}',
  operationId: 'setActionCanonical',
  tags: ['actions'],
  middleware: [authorizeBody('actions:manage')] as const,
  summary: 'Decide whether a name is canonical (a manual decision auto-promotion never overrides)',
  description: 'A name never seen is created as a manual entry, so admins can pre-register names.',
  request: {
    params: ActionParam,
    query: TenantQuery,
    body: { required: true, content: { 'application/json': { schema: SetCanonical } } },
  },
  responses: {
    200: {
      description: 'the entry after the change',
      content: { 'application/json': { schema: ActionEntry } },
    },
    ...problemResponses(400, 401, 403, 415, 429, 503),
  },
});

export function registerSetActionCanonical(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const { action } = c.req.valid('param');
    const { canonical } = c.req.valid('json');
    const { caller, tenantId } = await tenantRequest(
      c,
      deps,
      'actions:manage',
      c.req.valid('query').tenantId,
    );
    assertInventoriable(action, deps.actionMaxSegments);
    const entry = await withTransaction(deps.pool, async (tx) => {
      const before = await lockAction(tx, tenantId, action);
      const after = await setActionCanonical(tx, { tenantId, action, canonical, decidedBy: caller.actor });
      if (before?.canonical !== after.canonical || before.source !== after.source) {
        await recordAuditEvent(tx, deps.actionMaxSegments, {
          tenantId,
          workspaceId: null,
          caller,
          action: 'audit.action_canonical_changed',
          resourceType: 'action',
          resourceId: action,
          metadata: {
            canonical,
            previous: before ? { canonical: before.canonical, source: before.source } : null,
          },
        });
      }
      return after;
    });
    return c.json(entry, 200);
  });
}
