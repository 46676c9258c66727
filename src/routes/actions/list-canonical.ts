import { createRoute, z } from '@hono/zod-openapi';
import { listCanonicalActions } from '../../db/action-inventory.js';
import { Tag } from '../../domain/action-inventory.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { TenantQuery } from './schemas.js';

const CanonicalAction = z
  .object({ action: z.string(), tags: z.array(z.string()) })
  .openapi('CanonicalAction', { example: { action: 'invoice.refund_issued', tags: ['billing'] } });

const route = createRoute({
  method: 'get',
  path: '/v1/audit/actions/canonical',
  operationId: 'listCanonicalActions',
  tags: ['actions'],
  summary: 'The canonical names for filter dropdowns, sorted',
  request: { query: TenantQuery.extend({ tag: Tag.optional() }) },
  responses: {
    200: {
      description: 'canonical names and their tags',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(CanonicalAction) }).openapi('CanonicalActionList', {
            example: { data: [{ action: 'invoice.refund_issued', tags: ['billing'] }] },
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerListCanonicalActions(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    return c.json({ data: await listCanonicalActions(deps.pool, tenantId, q.tag) }, 200);
  });
}
