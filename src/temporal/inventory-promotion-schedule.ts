import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { inventoryPromotionWorkflow } from '../../workflows/inventory-promotion.js';

export const INVENTORY_PROMOTION_SCHEDULE = 'audit-inventory-promotion';

export function inventoryPromotionScheduleId(idPrefix: string): string {
  return `${idPrefix}${INVENTORY_PROMOTION_SCHEDULE}`;
}

export interface InventoryPromotionScheduleOptions {
  idPrefix: string;
  taskQueue: string;
  intervalMs: number;
}

/**
 * Creates the promotion schedule, or brings an existing one in line with this worker's settings
 * (interval, task queue) while keeping its state, so an operator's pause in the UI survives restarts.
 * Safe to call from any number of workers at once. Schedules outlive workers: nothing to stop.
 */
export async function ensureInventoryPromotionSchedule(
  client: Client,
  opts: InventoryPromotionScheduleOptions,
): Promise<'created' | 'updated'> {
  const scheduleId = inventoryPromotionScheduleId(opts.idPrefix);
  const spec = { intervals: [{ every: opts.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'inventoryPromotionWorkflow',
    // Temporal appends the scheduled time, so each run's id reads "<prefix>audit-inventory-promotion-<time>".
    workflowId: scheduleId,
    taskQueue: opts.taskQueue,
    args: [{}] as Parameters<typeof inventoryPromotionWorkflow>,
  };
  try {
    await client.schedule.create<typeof inventoryPromotionWorkflow>({
      scheduleId,
      spec,
      action,
      // One promotion at a time; a run missed while the cluster was down is not worth replaying.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update<typeof inventoryPromotionWorkflow>((previous) => ({ ...previous, spec, action }));
  return 'updated';
}
