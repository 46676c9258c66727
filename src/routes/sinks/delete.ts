import { createRoute } from '@hono/zod-openapi';
import { withTransaction } from '../../db/pool.js';
import { deleteSink, lockSinkForPublish } from '../../db/sinks.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { notifySinkWorkflow } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';
import type { SinkRouteState } from './register.js';

const route = createRoute({
  method: 'delete',
  path: '/v1/audit/sinks/{sinkId}',
  tags: ['sinks'],
  summary: 'Delete a sink and its delivery history',
  description: 'Once this answers, nothing more is published to the sink.',
  request: { params: SinkParams, query: TenantQuery },
  responses: { 204: { description: 'deleted' }, ...problemResponses(401, 403, 404, 429, 503) },
});

export function registerDeleteSink(app: App, deps: AppDeps, state: SinkRouteState): void {
  app.openapi(route, async (c) => {
    const { sinkId } = c.req.valid('param');
    const { caller, tenantId } = await tenantRequest(c, deps, 'sinks:manage', c.req.valid('query').tenantId);
    // Ownership before the lock: another tenant's id answers 404 at once, never after a batch in flight.
    await findVisibleSink(deps.pool, caller, tenantId, sinkId);
    const leave = state.lockWaits.enter(tenantId);
    const sink = await withTransaction(deps.pool, async (tx) => {
      await lockSinkForPublish(tx, sinkId);
      const found = await findVisibleSink(tx, caller, tenantId, sinkId);
      await deleteSink(tx, tenantId, sinkId);
      await recordAuditEvent(tx, deps.actionMaxSegments, {
        tenantId,
        workspaceId: found.workspaceId,
        caller,
        action: 'audit.sink_deleted',
        resourceType: 'sink',
        resourceId: sinkId,
        metadata: { name: found.name, type: found.type },
      });
      return found;
    }).finally(leave);
    await state.tests.abortAll(tenantId, sinkId);
    await notifySinkWorkflow(deps.sinks, deps.logger, 'deleted', sink);
    return c.body(null, 204);
  });
}
