import { createRoute } from '@hono/zod-openapi';
import { assertWorkspaceAccess } from '../../auth/scope.js';
import { withTransaction } from '../../db/pool.js';
import { insertSink } from '../../db/sinks.js';
import { Sink, SinkCreate } from '../../domain/sink.js';
import { newEventId, recordAuditEvent } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { tenantRequest } from '../../http/tenant-context.js';
import { redactConfig, sealConfig } from '../../sinks/config-secrets.js';
import { assertDriverAccepts, notifySinkWorkflow, toSinkView } from '../../sinks/sink-api.js';
import { problemResponses } from '../problem-responses.js';
import { TenantQuery } from './lookup.js';

const route = createRoute({
  method: 'post',
  path: '/v1/audit/sinks',
  operationId: 'createSink',
  tags: ['sinks'],
  summary: 'Create a sink',
  middleware: [authorizeBody('sinks:manage')] as const,
  description:
    'The sink delivers the events of its workspace that pass its filter and are received after it was created. Secrets in config are stored encrypted and shown as "***".',
  request: {
    query: TenantQuery,
    body: { required: true, content: { 'application/json': { schema: SinkCreate } } },
  },
  responses: {
    201: { description: 'created', content: { 'application/json': { schema: Sink } } },
    ...problemResponses(400, 401, 403, 415, 429, 503),
  },
});

export function registerCreateSink(app: App, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const { caller, tenantId } = await tenantRequest(c, deps, 'sinks:manage', c.req.valid('query').tenantId);
    assertWorkspaceAccess(caller, body.workspaceId);
    assertDriverAccepts(deps.sinks.drivers, body.type, body.config);
    const id = `snk_${newEventId().toLowerCase()}`;
    const sink = await withTransaction(deps.pool, async (tx) => {
      const created = await insertSink(tx, {
        tenantId,
        id,
        workspaceId: body.workspaceId,
        name: body.name,
        type: body.type,
        config: sealConfig(deps.sinks.keyring, body.type, body.config),
        filter: body.filter ?? {},
        enabled: body.enabled ?? true,
        paused: body.paused ?? false,
        createdBy: caller.actor,
      });
      await recordAuditEvent(tx, deps.actionMaxSegments, {
        tenantId,
        workspaceId: body.workspaceId,
        caller,
        action: 'audit.sink_created',
        resourceType: 'sink',
        resourceId: id,
        metadata: {
          name: created.name,
          type: created.type,
          config: redactConfig(created.type, created.config),
          filter: created.filter,
          enabled: created.enabled,
          paused: created.paused,
        },
      });
      return created;
    });
    const warnings = sink.enabled ? await notifySinkWorkflow(deps.sinks, deps.logger, 'changed', sink) : [];
    deps.logger.info({ tenantId, sinkId: id, type: sink.type, by: caller.actor }, 'sink created');
    const view = toSinkView(sink, deps.sinks);
    return c.json({ ...view, warnings: [...view.warnings, ...warnings] }, 201);
  });
}
