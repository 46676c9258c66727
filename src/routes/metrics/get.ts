import { createRoute, z } from '@hono/zod-openapi';
import { AuditMetrics } from '../../domain/metrics.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { computeAuditMetrics } from '../../metrics/tenant-metrics.js';
import { problemResponses } from '../problem-responses.js';
import { metricsWorkspaces, TenantQuery } from './scope.js';

const MetricsQuery = TenantQuery.extend({
  workspaceId: z.string().min(1).max(128).optional().openapi({
    description:
      'Narrows events and sinks to one workspace. Absent or * covers everything the caller may see: the whole tenant (including tenant-level events) for a tenant-wide caller, its workspaces for a workspace-bound one. Action figures are always tenant-wide (the inventory is per tenant).',
  }),
});

const route = createRoute({
  method: 'get',
  path: '/v1/audit/metrics',
  operationId: 'getMetrics',
  tags: ['metrics'],
  summary: 'Audit pipeline health of a tenant: event totals, inventory and drift, sinks',
  description:
    'Read from aggregates kept incrementally by the log rollup and the delivery engine (never a count over the events): figures trail ingest by the rollup tick (about half a second).',
  request: { query: MetricsQuery },
  responses: {
    200: { description: 'the figures', content: { 'application/json': { schema: AuditMetrics } } },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerGetMetrics(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    const workspaceIds = metricsWorkspaces(caller, q.workspaceId);
    return c.json(await computeAuditMetrics(deps.pool, { tenantId, workspaceIds }, new Date()), 200);
  });
}
