import { actionInventoryStats } from '../db/action-drift.js';
import { readEventCounts } from '../db/event-counts.js';
import type { Pool } from '../db/pool.js';
import { listSinks } from '../db/sinks.js';
import { STALE_CANONICAL_AFTER_MS } from '../domain/action-inventory.js';
import type { AuditMetrics } from '../domain/metrics.js';
import { type SinkType, sinkStatus } from '../domain/sink.js';

export interface MetricsScope {
  tenantId: string;
  /** null: the whole tenant (every workspace and the tenant level); otherwise only these workspaces. */
  workspaceIds: string[] | null;
}

/**
 * One tenant's health figures, all read from aggregates kept incrementally (the rollup's counts and
 * inventory, the sinks' counters): a few small queries, run side by side, never a count over the log
 * (a sink's lag is counted up to a cap, as the sinks API does). The inventory is tenant-wide whatever
 * the scope (the inventory is per tenant); events and sinks follow the scope.
 */
export async function computeAuditMetrics(pool: Pool, scope: MetricsScope, now: Date): Promise<AuditMetrics> {
  const [events, stats, sinks] = await Promise.all([
    readEventCounts(pool, scope.tenantId, scope.workspaceIds, now),
    actionInventoryStats(pool, scope.tenantId, new Date(now.getTime() - STALE_CANONICAL_AFTER_MS)),
    listSinks(pool, scope.tenantId, scope.workspaceIds),
  ]);
  return {
    events: { total: events.total, last24h: events.last24h },
    actions: {
      discovered: stats.total,
      canonical: stats.canonical,
      invalidActionCount: stats.invalidActionCount,
      drift: { discoveredNotCanonical: stats.discoveredNotCanonical, staleCanonical: stats.staleCanonical },
    },
    sinks: sinks.map((s) => ({
      id: s.id,
      type: s.type as SinkType,
      status: sinkStatus(s),
      lastDeliveryAt: s.lastDeliveryAt,
      lagEvents: s.lagEvents ?? 0,
      delivered: s.deliveredCount,
      failed: s.failedCount,
    })),
    generatedAt: now.toISOString(),
  };
}
