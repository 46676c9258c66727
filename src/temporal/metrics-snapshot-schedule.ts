import type { Client } from '@temporalio/client';
import type { metricsSnapshotWorkflow } from '../../workflows/metrics-snapshot.js';
import { ensureIntervalSchedule } from './interval-schedule.js';

export const METRICS_SNAPSHOT_SCHEDULE = 'audit-metrics-snapshot';

export function metricsSnapshotScheduleId(idPrefix: string): string {
  return `${idPrefix}${METRICS_SNAPSHOT_SCHEDULE}`;
}

/** Creates the snapshot schedule or updates it to this worker's settings (see ensureIntervalSchedule). */
export async function ensureMetricsSnapshotSchedule(
  client: Client,
  opts: { idPrefix: string; taskQueue: string; intervalMs: number },
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(client, {
    scheduleId: metricsSnapshotScheduleId(opts.idPrefix),
    workflowType: 'metricsSnapshotWorkflow',
    taskQueue: opts.taskQueue,
    intervalMs: opts.intervalMs,
    args: [{}] satisfies Parameters<typeof metricsSnapshotWorkflow>,
  });
}
