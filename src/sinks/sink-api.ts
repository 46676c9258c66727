import type { SecretKeyring } from '../crypto/secrets.js';
import type { SinkRecord } from '../db/sinks.js';
import { ValidationError } from '../domain/errors.js';
import { type Sink, type SinkType, sinkStatus } from '../domain/sink.js';
import { redactConfig } from './config-secrets.js';
import { driverFor, type SinkDriverRegistry } from './registry.js';
import type { SinkWaker } from './wake-on-ingest.js';
import type { SinkWorkflowControl } from './workflow-control.js';

/** What the sink routes need beyond the common app deps (passed in through createApp). */
export interface SinkApiDeps {
  keyring: SecretKeyring;
  drivers: SinkDriverRegistry;
  workflows: SinkWorkflowControl;
  /** AUDIT_REGION: region-mismatch warnings. */
  region: string;
  waker?: SinkWaker;
}

/**
 * The driver's deployment-dependent checks (the SSRF guard) at create and update: a 400 whose
 * pointers lead into `config`.
 */
export function assertDriverAccepts(drivers: SinkDriverRegistry, type: string, config: unknown): void {
  const problems = driverFor(drivers, type).checkConfig?.(config) ?? [];
  if (problems.length > 0) {
    throw new ValidationError(`the ${type} config is not allowed here`, {
      errors: problems.map((p) => ({ ...p, pointer: `/config${p.pointer}` })),
    });
  }
}

/** A sink as every answer shows it: secrets as "***", derived status, warnings, workflow id. */
export function toSinkView(record: SinkRecord, deps: SinkApiDeps): Sink {
  const config = redactConfig(record.type, record.config);
  return {
    id: record.id,
    tenantId: record.tenantId,
    workspaceId: record.workspaceId,
    name: record.name,
    type: record.type as SinkType,
    config,
    filter: record.filter,
    enabled: record.enabled,
    paused: record.paused,
    status: sinkStatus(record),
    lastDeliveryAt: record.lastDeliveryAt,
    lastError: record.lastError,
    lagEvents: record.lagEvents ?? 0,
    workflowId: deps.workflows.workflowId(record.tenantId, record.id),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    warnings: driverFor(deps.drivers, record.type).warnings(config, { region: deps.region }),
  };
}

/**
 * Tells the sink's workflow about a committed change. The change stands even when Temporal is
 * unreachable (the worker's start-up reconciliation and the next wake-up start a missing workflow),
 * so a failure here becomes a warning in the answer, never an error.
 */
export async function notifySinkWorkflow(
  deps: SinkApiDeps,
  logger: { warn: (obj: object, msg: string) => void },
  change: 'changed' | 'disabled' | 'deleted',
  sink: SinkRecord,
): Promise<string[]> {
  deps.waker?.forget(sink.tenantId, sink.workspaceId);
  try {
    await deps.workflows[change](sink);
    return [];
  } catch (err) {
    logger.warn(
      { err, tenantId: sink.tenantId, sinkId: sink.id, change },
      'could not reach the sink workflow',
    );
    // Sent as soon as Temporal answers again (a disabled or deleted sink's workflow sees it on its next look).
    if (change === 'changed') deps.waker?.changeUndelivered(sink);
    return ['the delivery workflow could not be reached; the change applies once Temporal is reachable'];
  }
}
