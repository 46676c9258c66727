import { createRoute, z } from '@hono/zod-openapi';
import { withTransaction } from '../../db/pool.js';
import { rewindSinkCursor } from '../../db/sink-replay.js';
import { lockSinkForPublish } from '../../db/sinks.js';
import { NotFoundError } from '../../domain/errors.js';
import { IsoTimestamp } from '../../domain/event.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { notifySinkWorkflow } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';
import type { SinkRouteState } from './register.js';

const ReplayRequest = z
  .object({
    from: IsoTimestamp.openapi({
      description: 'Re-deliver every event of the workspace received at or after this time.',
    }),
  })
  .strict()
  .openapi('SinkReplayRequest', { example: { from: '2026-11-30T00:00:00Z' } });

const ReplayResult = z
  .object({
    sinkId: z.string(),
    from: z.string(),
    rewound: z
      .boolean()
      .openapi({ description: 'false when nothing delivered so far was received after `from`.' }),
  })
  .openapi('SinkReplayResult', {
    example: { sinkId: 'snk_01jf3zm2q4r6t8v0x2z4b6d8f0', from: '2026-11-30T00:00:00.000Z', rewound: true },
  });

const route = createRoute({
  method: 'post',
  path: '/v1/audit/sinks/{sinkId}/replay',
  operationId: 'replaySink',
  tags: ['sinks'],
  middleware: [authorizeBody('sinks:manage')] as const,
  summary: 'Deliver again everything received since a point in time',
  description:
    'Moves the sink’s cursor back to the earliest event received at or after `from`; delivery resumes from there (at least once, in ingest order, through the sink’s filter). Audited as `audit.sink_replayed`.',
  request: {
    params: SinkParams,
    query: TenantQuery,
    body: { required: true, content: { 'application/json': { schema: ReplayRequest } } },
  },
  responses: {
    202: {
      description: 'the cursor moved; delivery resumes',
      content: { 'application/json': { schema: ReplayResult } },
    },
    ...problemResponses(400, 401, 403, 404, 415, 429, 503),
  },
});

export function registerReplaySink(app: App, deps: AppDeps, state: SinkRouteState): void {
  app.openapi(route, async (c) => {
    const { from } = c.req.valid('json');
    const { sinkId } = c.req.valid('param');
    const { caller, tenantId } = await tenantRequest(c, deps, 'sinks:manage', c.req.valid('query').tenantId);
    // Ownership before the lock: another tenant's id answers 404 at once, never after a batch in flight.
    await findVisibleSink(deps.pool, caller, tenantId, sinkId);
    const leave = state.lockWaits.enter(tenantId);
    const { sink, rewound } = await withTransaction(deps.pool, async (tx) => {
      // The publish lock: a batch in flight commits its cursor first, so the rewind cannot be overwritten.
      await lockSinkForPublish(tx, sinkId);
      const sink = await findVisibleSink(tx, caller, tenantId, sinkId);
      const result = await rewindSinkCursor(tx, tenantId, sinkId, new Date(from));
      if (!result) throw new NotFoundError(`no sink ${sinkId}`);
      await recordAuditEvent(tx, deps.actionMaxSegments, {
        tenantId,
        workspaceId: sink.workspaceId,
        caller,
        action: 'audit.sink_replayed',
        resourceType: 'sink',
        resourceId: sinkId,
        metadata: { from, rewound: result.rewound, cursor: result.cursor },
      });
      return { sink, rewound: result.rewound };
    }).finally(leave);
    if (rewound && sink.enabled) await notifySinkWorkflow(deps.sinks, deps.logger, 'changed', sink);
    return c.json({ sinkId, from, rewound }, 202);
  });
}
