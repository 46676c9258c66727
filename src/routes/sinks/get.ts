import { createRoute } from '@hono/zod-openapi';
import { Sink } from '../../domain/sink.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { toSinkView } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';

const route = createRoute({
  method: 'get',
  path: '/v1/audit/sinks/{sinkId}',
  operationId: 'getSink',
  tags: ['sinks'],
  summary: 'One sink with its status, lag and warnings',
  request: { params: SinkParams, query: TenantQuery },
  responses: {
    200: { description: 'the sink', content: { 'application/json': { schema: Sink } } },
    ...problemResponses(401, 403, 404, 429, 503),
  },
});

export function registerGetSink(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', c.req.valid('query').tenantId);
    const sink = await findVisibleSink(deps.pool, caller, tenantId, c.req.valid('param').sinkId, {
      lag: true,
    });
    return c.json(toSinkView(sink, deps.sinks), 200);
  });
}
