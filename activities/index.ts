import type { Config } from '../src/config.js';
import type { Pool } from '../src/db/pool.js';
import type { Logger } from '../src/logger.js';
import { createInventoryActivities } from './inventory.js';
import { createMetricsSnapshotActivities, type MetricsSnapshotActivityDeps } from './metrics-snapshot.js';
import { createSinkDeliveryActivities, type SinkActivityDeps } from './sink-delivery.js';

/** What the activities need from the outside world; passed in, never imported as singletons. */
export interface ActivityDeps {
  pool: Pool;
  logger: Logger;
  now?: () => Date;
  /** Naming convention and promotion thresholds (config.actions). */
  actions: Config['actions'];
  /** Sink delivery: the secret key (sealed sink secrets), AUDIT_REGION, and optionally other drivers. */
  secretKey: SinkActivityDeps['secretKey'];
  region: SinkActivityDeps['region'];
  sinkDrivers?: SinkActivityDeps['sinkDrivers'];
  /** Prometheus delivery metrics of this worker process. */
  deliveryMetrics?: SinkActivityDeps['deliveryMetrics'];
  /** How long metrics snapshots are kept (AUDIT_METRICS_SNAPSHOT_RETENTION_DAYS). */
  snapshotRetentionMs?: MetricsSnapshotActivityDeps['snapshotRetentionMs'];
}

/** Builds every activity the worker registers. Workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInventoryActivities(deps),
    ...createSinkDeliveryActivities(deps),
    ...createMetricsSnapshotActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
