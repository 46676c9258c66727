import { createRoute, z } from '@hono/zod-openapi';
import { ALL_WORKSPACES, assertWorkspaceAccess } from '../../auth/scope.js';
import { listSinks } from '../../db/sinks.js';
import { Sink } from '../../domain/sink.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { toSinkView } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { TenantQuery } from './lookup.js';

const ListQuery = TenantQuery.extend({
  workspaceId: z.string().min(1).optional().openapi({
    description: 'One workspace; absent or * lists every workspace the caller may see.',
  }),
});

const route = createRoute({
  method: 'get',
  path: '/v1/audit/sinks',
  operationId: 'listSinks',
  tags: ['sinks'],
  summary: 'List sinks with their status',
  request: { query: ListQuery },
  responses: {
    200: {
      description: 'sinks',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(Sink) }).openapi('SinkList', { example: { data: [] } }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerListSinks(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    let workspaceIds = caller.workspaceIds;
    if (q.workspaceId !== undefined && q.workspaceId !== ALL_WORKSPACES) {
      assertWorkspaceAccess(caller, q.workspaceId);
      workspaceIds = [q.workspaceId];
    }
    const sinks = await listSinks(deps.pool, tenantId, workspaceIds);
    return c.json({ data: sinks.map((s) => toSinkView(s, deps.sinks)) }, 200);
  });
}
