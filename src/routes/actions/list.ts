import { createRoute, z } from '@hono/zod-openapi';
import { listActions } from '../../db/action-inventory.js';
import { ActionEntry, Tag } from '../../domain/action-inventory.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { TenantQuery } from './schemas.js';

const ListQuery = TenantQuery.extend({
  canonical: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Only canonical (true) or only non-canonical (false) names.' }),
  tag: Tag.optional().openapi({ description: 'Only names carrying this tag.' }),
});

const route = createRoute({
  method: 'get',
  path: '/v1/audit/actions',
  operationId: 'listActions',
  tags: ['actions'],
  summary: "The tenant's action inventory, sorted by name",
  request: { query: ListQuery },
  responses: {
    200: {
      description: 'every inventoried name',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(ActionEntry) }).openapi('ActionList', { example: { data: [] } }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerListActions(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    const canonical = q.canonical === undefined ? undefined : q.canonical === 'true';
    const data = await listActions(deps.pool, tenantId, { canonical, tag: q.tag });
    return c.json({ data }, 200);
  });
}
