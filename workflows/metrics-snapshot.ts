import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SnapshotMetricsResult } from '../activities/metrics-snapshot.js';

const { snapshotMetrics } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

export interface MetricsSnapshotInput {
  /** Overrides the snapshot time (ISO-8601); the default is the workflow's own clock. */
  asOf?: string;
}

/** Run by the audit-metrics-snapshot schedule: stores every tenant's metrics for trend charts. */
export async function metricsSnapshotWorkflow(
  input: MetricsSnapshotInput = {},
): Promise<SnapshotMetricsResult> {
  // Date.now() in a workflow is the deterministic workflow-task time, the same on every retry.
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  return snapshotMetrics({ asOf });
}
