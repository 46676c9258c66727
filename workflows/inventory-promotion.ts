import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PromoteInventoryResult } from '../activities/inventory.js';

const { promoteActionInventory } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface InventoryPromotionInput {
  /** Overrides "now" (ISO-8601), for tests and backfills; the default is the workflow's own clock. */
  asOf?: string;
}

/** Run by the audit-inventory-promotion schedule: promotes discovered actions past the thresholds. */
export async function inventoryPromotionWorkflow(
  input: InventoryPromotionInput = {},
): Promise<PromoteInventoryResult> {
  // Date.now() in a workflow is the deterministic workflow-task time.
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  return promoteActionInventory({ asOf });
}
