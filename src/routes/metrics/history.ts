import { createRoute, z } from '@hono/zod-openapi';
import { listMetricsSnapshots } from '../../db/metrics-snapshots.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { IsoTimestamp } from '../../domain/event.js';
import {
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_HISTORY_SPAN_MS,
  MAX_HISTORY_LIMIT,
  MetricsSnapshot,
} from '../../domain/metrics.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { TenantQuery } from './scope.js';

const HistoryQuery = TenantQuery.extend({
  from: IsoTimestamp.optional().openapi({ description: 'Inclusive; default 24 h before `to`.' }),
  to: IsoTimestamp.optional().openapi({ description: 'Exclusive; default now.' }),
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_LIMIT).default(DEFAULT_HISTORY_LIMIT),
});

const History = z
  .object({
    data: z.array(MetricsSnapshot).openapi({ description: 'Oldest first.' }),
    next: z.string().nullable().openapi({
      description: 'When more snapshots are in range: pass it as `from` (same `to`) for the next page.',
    }),
  })
  .openapi('MetricsHistory', { example: { data: [], next: null } });

const route = createRoute({
  method: 'get',
  path: '/v1/audit/metrics/history',
  operationId: 'getMetricsHistory',
  tags: ['metrics'],
  summary: 'Stored metrics snapshots of the tenant, for trend charts',
  description:
    'Written by the audit-metrics-snapshot schedule (every minute by default) with the tenant-wide figures of GET /v1/audit/metrics. Snapshots are per tenant, so only tenant-wide callers read them.',
  request: { query: HistoryQuery },
  responses: {
    200: { description: 'snapshots', content: { 'application/json': { schema: History } } },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerMetricsHistory(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    if (caller.workspaceIds !== null) {
      throw new ForbiddenError('metrics history is tenant-wide; this credential is bound to workspaces');
    }
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_HISTORY_SPAN_MS);
    if (from > to) {
      throw new ValidationError('from must not be after to', {
        errors: [{ pointer: 'from', detail: 'must be at or before to' }],
      });
    }
    const rows = await listMetricsSnapshots(deps.pool, { tenantId, from, to, limit: q.limit + 1 });
    const next = rows.length > q.limit ? rows[q.limit]!.takenAt : null;
    return c.json({ data: rows.slice(0, q.limit), next }, 200);
  });
}
