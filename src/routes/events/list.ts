import { createRoute, z } from '@hono/zod-openapi';
import { ALL_WORKSPACES, resolveReadScope } from '../../auth/scope.js';
import { type EventFilters, listEvents } from '../../db/events.js';
import { ActorKind, AuditEvent, IsoTimestamp } from '../../domain/event.js';
import { Provenance } from '../../domain/provenance.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { problemResponses } from '../problem-responses.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const ListQuery = z.object({
  tenantId: z.string().min(1).optional().openapi({ description: 'Required with the platform token only.' }),
  workspaceId: z.string().min(1).optional().openapi({
    description: 'A workspace id, or * (tenant_admin) for every workspace and the tenant level.',
  }),
  action: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Exact name, or a prefix as "discovery.*".' }),
  actorKind: ActorKind.optional(),
  actorUserId: z.string().min(1).optional(),
  actorApiKeyId: z.string().min(1).optional(),
  resourceType: z.string().min(1).optional(),
  resourceId: z.string().min(1).optional(),
  from: IsoTimestamp.optional().openapi({ description: 'Inclusive lower bound on occurredAt.' }),
  to: IsoTimestamp.optional().openapi({ description: 'Exclusive upper bound on occurredAt.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
  include: z
    .enum(['provenance'])
    .optional()
    .openapi({
      description:
        'provenance: each event gains a `provenance` object after its SPEC keys (which credential ' +
        'submitted it). Without it the events are exactly the SPEC wire object.',
    }),
});

const ListedEvent = AuditEvent.extend({
  provenance: Provenance.optional().openapi({ description: 'Only with include=provenance.' }),
}).openapi('ListedAuditEvent');

const EventPage = z
  .object({ data: z.array(ListedEvent), nextCursor: z.string().nullable() })
  .openapi('EventPage');

const route = createRoute({
  method: 'get',
  path: '/v1/audit/events',
  tags: ['events'],
  summary: 'Query events, newest first',
  request: { query: ListQuery },
  responses: {
    200: { description: 'a page of events', content: { 'application/json': { schema: EventPage } } },
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export function registerListEvents(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { caller, tenantId } = await tenantRequest(c, deps, 'events:read', q.tenantId);
    const scope = resolveReadScope(caller, q.workspaceId);
    const filters: EventFilters = {
      actorKind: q.actorKind,
      actorUserId: q.actorUserId,
      actorApiKeyId: q.actorApiKeyId,
      resourceType: q.resourceType,
      resourceId: q.resourceId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    };
    if (q.action?.endsWith('.*')) filters.actionPrefix = q.action.slice(0, -1);
    else filters.action = q.action;
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;

    if (scope.kind === 'all') {
      await recordAuditEvent(deps.pool, deps.actionMaxSegments, {
        tenantId,
        workspaceId: null,
        caller,
        action: 'audit.cross_workspace_viewed',
        resourceType: 'audit_event',
        resourceId: null,
        metadata: { workspaceId: ALL_WORKSPACES, filters: { ...q, tenantId: undefined, cursor: undefined } },
      });
    }

    // One row past the page tells whether there is a next page without a second query.
    const rows = await listEvents(deps.pool, {
      tenantId,
      scope,
      filters,
      after,
      limit: q.limit + 1,
      includeProvenance: q.include === 'provenance',
    });
    const data = rows.slice(0, q.limit);
    const last = data.at(-1);
    const nextCursor =
      rows.length > q.limit && last ? encodeCursor({ occurredAt: last.occurredAt, id: last.id }) : null;
    return c.json({ data, nextCursor }, 200);
  });
}
