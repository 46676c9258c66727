import type { Pool } from '../db/pool.js';
import { listEnabledSinksForReconcile } from '../db/sinks.js';
import type { Logger } from '../logger.js';
import type { SinkWorkflowControl } from './workflow-control.js';

/**
 * At worker start: every enabled sink gets its delivery workflow if it has none (say the API committed
 * a sink and crashed before starting it, or Temporal's state was reset). Running workflows are left
 * alone, so this is cheap to repeat.
 */
export async function ensureSinkWorkflows(deps: {
  pool: Pool;
  control: SinkWorkflowControl;
  logger: Logger;
}): Promise<void> {
  const sinks = await listEnabledSinksForReconcile(deps.pool);
  let failed = 0;
  for (const sink of sinks) {
    await deps.control.ensureRunning(sink).catch((err: unknown) => {
      failed++;
      deps.logger.warn({ err, tenantId: sink.tenantId, sinkId: sink.id }, 'could not start a sink workflow');
    });
  }
  if (sinks.length > 0) deps.logger.info({ sinks: sinks.length, failed }, 'sink workflows reconciled');
}
