import { createRoute } from '@hono/zod-openapi';
import { withTransaction } from '../../db/pool.js';
import { lockSinkForPublish, type SinkChanges, updateSink } from '../../db/sinks.js';
import { ValidationError } from '../../domain/errors.js';
import { isSinkType, SECRET_PLACEHOLDER, SINK_TYPES, Sink, SinkUpdate } from '../../domain/sink.js';
import { recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { zodFieldErrors } from '../../http/problem.js';
import { tenantRequest } from '../../http/tenant-context.js';
import {
  mergeConfig,
  openConfig,
  redactConfig,
  sealConfig,
  secretsLeftBehind,
} from '../../sinks/config-secrets.js';
import { driverFor } from '../../sinks/registry.js';
import { assertDriverAccepts, notifySinkWorkflow, toSinkView } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { findVisibleSink, SinkParams, TenantQuery } from './lookup.js';
import type { SinkRouteState } from './register.js';

const route = createRoute({
  method: 'patch',
  path: '/v1/audit/sinks/{sinkId}',
  operationId: 'updateSink',
  tags: ['sinks'],
  summary: 'Change a sink (partial)',
  middleware: [authorizeBody('sinks:manage')] as const,
  description:
    'Takes effect before the next batch. Once `enabled:false` (or a pause) answers, nothing more is published. A config change retries a failing sink at once. Secrets stay with their destination: a change of where the sink sends (http `url`; kinesis/s3 `roleArn`, which receives the `externalId`) drops the stored secrets sent there (http `headers`, `secret`; `externalId`) unless the same PATCH supplies them again; "***" cannot keep them then (400). The answer warns when secrets were dropped.',
  request: {
    params: SinkParams,
    query: TenantQuery,
    body: { required: true, content: { 'application/json': { schema: SinkUpdate } } },
  },
  responses: {
    200: { description: 'the updated sink', content: { 'application/json': { schema: Sink } } },
    ...problemResponses(400, 401, 403, 404, 415, 429, 503),
  },
});

export function registerUpdateSink(app: App, deps: AppDeps, state: SinkRouteState): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const { sinkId } = c.req.valid('param');
    const { caller, tenantId } = await tenantRequest(c, deps, 'sinks:manage', c.req.valid('query').tenantId);
    let dropped: string[] = [];
    // Ownership before the lock: another tenant's id answers 404 at once, never after a batch in flight.
    await findVisibleSink(deps.pool, caller, tenantId, sinkId);
    const leave = state.lockWaits.enter(tenantId);
    const { before, after } = await withTransaction(deps.pool, async (tx) => {
      // First the publish lock: a batch in flight finishes before this change commits and answers.
      await lockSinkForPublish(tx, sinkId);
      const sink = await findVisibleSink(tx, caller, tenantId, sinkId);
      const changes: SinkChanges = { name: body.name, enabled: body.enabled, paused: body.paused };
      if (body.filter !== undefined) changes.filter = body.filter ?? {};
      if (body.config !== undefined && isSinkType(sink.type)) {
        const stored = openConfig(deps.sinks.keyring, sink.type, sink.config);
        // A secret never follows the sink to a new destination: it is dropped unless sent again.
        const leftBehind = secretsLeftBehind(sink.type, stored, body.config);
        const kept = leftBehind.filter((s) => body.config![s.field] === SECRET_PLACEHOLDER);
        if (kept.length > 0) {
          throw new ValidationError('a stored secret cannot follow the sink to a new destination', {
            errors: kept.map((s) => ({
              pointer: `/config/${s.field}`,
              detail: `${s.movedBy.join(', ')} changes: send ${s.field} again, or leave it out to drop it`,
            })),
          });
        }
        const current = { ...stored };
        for (const s of leftBehind) delete current[s.field];
        dropped = leftBehind.map((s) => s.field);
        const merged = mergeConfig(sink.type, current, body.config);
        const parsed = SINK_TYPES[sink.type].config.safeParse(merged);
        if (!parsed.success) {
          throw new ValidationError('the resulting config is invalid', {
            errors: zodFieldErrors(parsed.error).map((e) => ({ ...e, pointer: `/config${e.pointer}` })),
          });
        }
        assertDriverAccepts(deps.sinks.drivers, sink.type, parsed.data);
        const driver = driverFor(deps.sinks.drivers, sink.type);
        const next = driver.prepareUpdate
          ? driver.prepareUpdate(parsed.data, current, new Date())
          : parsed.data;
        changes.config = sealConfig(deps.sinks.keyring, sink.type, next as Record<string, unknown>);
      }
      const updated = await updateSink(tx, tenantId, sinkId, changes);
      await recordAuditEvent(tx, deps.actionMaxSegments, {
        tenantId,
        workspaceId: sink.workspaceId,
        caller,
        action: 'audit.sink_updated',
        resourceType: 'sink',
        resourceId: sinkId,
        metadata: {
          changed: Object.keys(body),
          ...(dropped.length > 0 ? { secretsDropped: dropped } : {}),
          name: updated.name,
          config: redactConfig(updated.type, updated.config),
          filter: updated.filter,
          enabled: updated.enabled,
          paused: updated.paused,
        },
      });
      return { before: sink, after: updated };
    }).finally(leave);
    // A test in flight used what was there before: it ends before this answers (sinks/sink-tests.ts).
    const stopped = (before.enabled && !after.enabled) || (!before.paused && after.paused);
    if (body.config !== undefined || stopped) await state.tests.abortAll(tenantId, sinkId);
    const warnings: string[] =
      dropped.length > 0
        ? [
            `the destination changed, so the stored ${dropped.join(', ')} were dropped; send them again if needed`,
          ]
        : [];
    if (after.enabled)
      warnings.push(...(await notifySinkWorkflow(deps.sinks, deps.logger, 'changed', after)));
    else if (before.enabled) {
      warnings.push(...(await notifySinkWorkflow(deps.sinks, deps.logger, 'disabled', after)));
    }
    const view = toSinkView(after, deps.sinks);
    return c.json({ ...view, warnings: [...view.warnings, ...warnings] }, 200);
  });
}
