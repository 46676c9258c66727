import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

export interface IntervalScheduleOptions {
  /** Already prefixed with AUDIT_TEMPORAL_ID_PREFIX. */
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  intervalMs: number;
  /** The workflow's arguments (callers check them against its type with `satisfies`). */
  args: unknown[];
}

/**
 * Creates a schedule that starts `workflowType` every `intervalMs`, or brings an existing one in line
 * with this worker's settings (interval, task queue, arguments) while keeping its state, so an
 * operator's pause in the UI survives restarts. Safe to call from any number of workers at once.
 * Schedules outlive workers: nothing to stop.
 */
export async function ensureIntervalSchedule(
  client: Client,
  opts: IntervalScheduleOptions,
): Promise<'created' | 'updated'> {
  const spec = { intervals: [{ every: opts.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: opts.workflowType,
    // Temporal appends the scheduled time, so each run's id reads "<schedule id>-<time>".
    workflowId: opts.scheduleId,
    taskQueue: opts.taskQueue,
    args: opts.args,
  };
  try {
    await client.schedule.create({
      scheduleId: opts.scheduleId,
      spec,
      action,
      // One run at a time; a run missed while the cluster was down is not worth replaying.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(opts.scheduleId).update((previous) => ({ ...previous, spec, action }));
  return 'updated';
}
