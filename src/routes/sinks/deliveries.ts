import { createRoute, z } from '@hono/zod-openapi';
import { listDeliveries } from '../../db/deliveries.js';
import { ValidationError } from '../../domain/errors.js';
import { SinkDelivery } from '../../domain/sink.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';

const DeliveriesQuery = TenantQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(64).optional(),
});

const DeliveryPage = z
  .object({ data: z.array(SinkDelivery), nextCursor: z.string().nullable() })
  .openapi('SinkDeliveryPage', { example: { data: [], nextCursor: null } });

const route = createRoute({
  method: 'get',
  path: '/v1/audit/sinks/{sinkId}/deliveries',
  operationId: 'listSinkDeliveries',
  tags: ['sinks'],
  summary: 'Delivery history, newest first: one entry per batch, with its attempts',
  request: { params: SinkParams, query: DeliveriesQuery },
  responses: {
    200: { description: 'a page of deliveries', content: { 'application/json': { schema: DeliveryPage } } },
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

function decodeCursor(cursor: string): number {
  const id = Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new ValidationError('the cursor is invalid', {
      errors: [{ pointer: 'cursor', detail: 'use nextCursor of a previous page' }],
    });
  }
  return id;
}

export function registerListSinkDeliveries(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    const sink = await findVisibleSink(deps.pool, caller, tenantId, c.req.valid('param').sinkId);
    const rows = await listDeliveries(deps.pool, {
      tenantId,
      sinkId: sink.id,
      beforeId: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    const data = rows.slice(0, q.limit);
    const last = data.at(-1);
    const nextCursor = rows.length > q.limit && last ? Buffer.from(last.id).toString('base64url') : null;
    return c.json({ data, nextCursor }, 200);
  });
}
