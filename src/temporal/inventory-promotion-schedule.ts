import type { Client } from '@temporalio/client';
import type { inventoryPromotionWorkflow } from '../../workflows/inventory-promotion.js';
import { ensureIntervalSchedule } from './interval-schedule.js';

export const INVENTORY_PROMOTION_SCHEDULE = 'audit-inventory-promotion';

export function inventoryPromotionScheduleId(idPrefix: string): string {
  return `${idPrefix}${INVENTORY_PROMOTION_SCHEDULE}`;
}

export interface InventoryPromotionScheduleOptions {
  idPrefix: string;
  taskQueue: string;
  intervalMs: number;
}

/** Creates the promotion schedule or updates it to this worker's settings (see ensureIntervalSchedule). */
export async function ensureInventoryPromotionSchedule(
  client: Client,
  opts: InventoryPromotionScheduleOptions,
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(client, {
    scheduleId: inventoryPromotionScheduleId(opts.idPrefix),
    workflowType: 'inventoryPromotionWorkflow',
    taskQueue: opts.taskQueue,
    intervalMs: opts.intervalMs,
    args: [{}] satisfies Parameters<typeof inventoryPromotionWorkflow>,
  });
}
