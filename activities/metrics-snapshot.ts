import { listCountedTenants } from '../src/db/event-counts.js';
import {
  insertMetricsSnapshots,
  type NewSnapshot,
  pruneMetricsSnapshots,
} from '../src/db/metrics-snapshots.js';
import type { Pool } from '../src/db/pool.js';
import type { Logger } from '../src/logger.js';
import { computeAuditMetrics } from '../src/metrics/tenant-metrics.js';

export interface MetricsSnapshotActivityDeps {
  pool: Pool;
  logger: Logger;
  /** AUDIT_METRICS_SNAPSHOT_RETENTION_DAYS: older snapshots are dropped by each run. */
  snapshotRetentionMs?: number;
}

export interface SnapshotMetricsInput {
  /** The run's scheduled time (ISO-8601): every tenant's snapshot of this run is taken "at" it. */
  asOf: string;
}

export interface SnapshotMetricsResult {
  tenants: number;
  written: number;
  pruned: number;
}

const DEFAULT_RETENTION_MS = 30 * 24 * 3_600_000;
/** Tenants computed side by side; each needs a few pool connections. */
const CONCURRENCY = 2;

export function createMetricsSnapshotActivities(deps: MetricsSnapshotActivityDeps) {
  return {
    /**
     * Stores the tenant-wide GET /v1/audit/metrics figures of every tenant that has events, as of the
     * run's time. Idempotent: a retry of the same run writes nothing twice (one row per tenant and time).
     */
    async snapshotMetrics(input: SnapshotMetricsInput): Promise<SnapshotMetricsResult> {
      const asOf = new Date(input.asOf);
      const tenants = await listCountedTenants(deps.pool);
      const snapshots: NewSnapshot[] = [];
      for (let i = 0; i < tenants.length; i += CONCURRENCY) {
        const chunk = tenants.slice(i, i + CONCURRENCY);
        const computed = await Promise.all(
          chunk.map((tenantId) => computeAuditMetrics(deps.pool, { tenantId, workspaceIds: null }, asOf)),
        );
        computed.forEach(({ generatedAt: _, ...metrics }, j) => {
          snapshots.push({ tenantId: chunk[j]!, metrics });
        });
      }
      const written = await insertMetricsSnapshots(deps.pool, asOf, snapshots);
      const retentionMs = deps.snapshotRetentionMs ?? DEFAULT_RETENTION_MS;
      const pruned = await pruneMetricsSnapshots(deps.pool, new Date(asOf.getTime() - retentionMs));
      const result = { tenants: tenants.length, written, pruned };
      deps.logger.debug({ ...result, asOf: input.asOf }, 'metrics snapshot');
      return result;
    },
  };
}
