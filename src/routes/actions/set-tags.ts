import { createRoute, z } from '@hono/zod-openapi';
import { lockAction, setActionTags } from '../../db/action-inventory.js';
import { withTransaction } from '../../db/pool.js';
import { ActionEntry, MAX_TAGS_PER_ACTION, Tag } from '../../domain/action-inventory.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { ActionParam, assertInventoriable, TenantQuery } from './schemas.js';

const SetTags = z
  .object({ tags: z.array(Tag).max(MAX_TAGS_PER_ACTION) })
  .strict()
  .openapi('SetActionTags', { example: { tags: ['billing', 'pii'] } });

const route = createRoute({
  method: 'patch',
  path: '/v1/audit/actions/{action}/tags',
  operationId: 'setActionTags',
  tags: ['actions'],
  middleware: [authorizeBody('actions:manage')] as const,
  summary: "Replace a name's tags (lowercase slugs, at most 20; duplicates are dropped)",
  description: 'A name never seen is pre-registered as a manual canonical entry carrying these tags.',
  request: {
    params: ActionParam,
    query: TenantQuery,
    body: { required: true, content: { 'application/json': { schema: SetTags } } },
  },
  responses: {
    200: {
      description: 'the entry after the change',
      content: { 'application/json': { schema: ActionEntry } },
    },
    ...problemResponses(400, 401, 403, 415, 429, 503),
  },
});

export function registerSetActionTags(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const { action } = c.req.valid('param');
    const tags = [...new Set(c.req.valid('json').tags)];
    const { caller, tenantId } = await tenantRequest(
      c,
      deps,
      'actions:manage',
      c.req.valid('query').tenantId,
    );
    assertInventoriable(action, deps.actionMaxSegments);
    const entry = await withTransaction(deps.pool, async (tx) => {
      const before = await lockAction(tx, tenantId, action);
      const after = await setActionTags(tx, { tenantId, action, tags, decidedBy: caller.actor });
      if (before === null || before.tags.join(',') !== after.tags.join(',')) {
        await recordAuditEvent(tx, deps.actionMaxSegments, {
          tenantId,
          workspaceId: null,
          caller,
          action: 'audit.action_tags_changed',
          resourceType: 'action',
          resourceId: action,
          metadata: { tags: after.tags, previousTags: before?.tags ?? null, created: before === null },
        });
      }
      return after;
    });
    return c.json(entry, 200);
  });
}
