import { createRoute, z } from '@hono/zod-openapi';
import { actorFields } from '../../domain/caller.js';
import { ConflictError } from '../../domain/errors.js';
import { type AuditEvent, toWireLine } from '../../domain/event.js';
import { newEventId, recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { openConfig } from '../../sinks/config-secrets.js';
import { errorSummary, SinkDeliveryError } from '../../sinks/driver.js';
import { driverFor } from '../../sinks/registry.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';
import type { SinkRouteState } from './register.js';

/** How long a test may wait for the destination. */
export const SINK_TEST_TIMEOUT_MS = 15_000;

const TestOutcome = z
  .object({
    ok: z.boolean(),
    eventId: z.string().openapi({ description: 'The id of the synthetic audit.sink.test event.' }),
    durationMs: z.number(),
    error: z.string().nullable(),
    errorKind: z.enum(['retryable', 'config']).nullable().openapi({
      description: 'config: the sink cannot work as configured; retryable: a transient problem.',
    }),
  })
  .openapi('SinkTestOutcome');

const route = createRoute({
  method: 'post',
  path: '/v1/audit/sinks/{sinkId}/test',
  tags: ['sinks'],
  summary: 'Send one synthetic audit.sink.test event through the sink now',
  description:
    'Bypasses the filter and the delivery cursor; the event is not stored in the log. 409 for a disabled sink. One test per sink and four per tenant at once (429 with Retry-After beyond); a DELETE, disable, pause or config change of the sink aborts a test in flight.',
  request: { params: SinkParams, query: TenantQuery },
  responses: {
    200: { description: 'the outcome', content: { 'application/json': { schema: TestOutcome } } },
    ...problemResponses(401, 403, 404, 409, 429, 503),
  },
});

export function registerTestSink(app: App, deps: AppDeps, state: SinkRouteState): void {
  app.openapi(route, async (c) => {
    const { sinkId } = c.req.valid('param');
    const { caller, tenantId } = await tenantRequest(c, deps, 'sinks:manage', c.req.valid('query').tenantId);
    // No connection and no publish lock is held while the destination is awaited: the registry bounds
    // the tests in flight and lets a DELETE or disable abort them (see sinks/sink-tests.ts).
    const running = state.tests.begin(tenantId, sinkId);
    try {
      const sink = await findVisibleSink(deps.pool, caller, tenantId, sinkId);
      if (!sink.enabled) throw new ConflictError('the sink is disabled; enable it to test it');
      const event: AuditEvent = {
        id: newEventId(),
        tenantId,
        workspaceId: sink.workspaceId,
        occurredAt: new Date().toISOString(),
        ...actorFields(caller),
        action: 'audit.sink.test',
        resourceType: 'sink',
        resourceId: sink.id,
        metadata: { test: true, sinkName: sink.name },
        ip: null,
        userAgent: null,
      };
      const started = performance.now();
      let error: SinkDeliveryError | null = null;
      try {
        const position = { txid: '0', seq: 0 };
        await driverFor(deps.sinks.drivers, sink.type).deliver(
          {
            batchId: `${sink.id}-test-${event.id}`,
            tenantId,
            workspaceId: sink.workspaceId,
            sinkId: sink.id,
            events: [event],
            lines: [toWireLine(event)],
            first: position,
            last: position,
          },
          openConfig(deps.sinks.keyring, sink.type, sink.config),
          {
            signal: AbortSignal.any([AbortSignal.timeout(SINK_TEST_TIMEOUT_MS), running.signal]),
            logger: deps.logger,
            region: deps.sinks.region,
          },
        );
      } catch (err) {
        error =
          err instanceof SinkDeliveryError
            ? err
            : new SinkDeliveryError(errorSummary(err), 'retryable', { cause: err });
      }
      if (running.signal.aborted && error) {
        error = new SinkDeliveryError(
          'the sink was changed, disabled or deleted during the test',
          'retryable',
        );
      }
      const result = {
        ok: error === null,
        eventId: event.id,
        durationMs: Math.round(performance.now() - started),
        error: error ? errorSummary(error) : null,
        errorKind: error?.kind ?? null,
      };
      await recordAuditEvent(deps.pool, deps.actionMaxSegments, {
        tenantId,
        workspaceId: sink.workspaceId,
        caller,
        action: 'audit.sink_tested',
        resourceType: 'sink',
        resourceId: sink.id,
        metadata: { ok: result.ok, error: result.error },
      });
      return c.json(result, 200);
    } finally {
      running.end();
    }
  });
}
