import { foldActionInventory, foldInvalidActions } from '../db/action-inventory.js';
import { foldEventCounts } from '../db/event-counts.js';
import type { LogRange } from '../db/log-consumers.js';
import type { PoolClient } from '../db/pool.js';

/**
 * One aggregate kept by the log rollup. `apply` runs inside the rollup transaction with a range of the
 * event log that no other step will ever fold again; it must only add that range's contribution.
 */
export interface RollupFold {
  name: string;
  apply(tx: PoolClient, range: LogRange): Promise<void>;
}

/** Every aggregate the rollup keeps. Add a fold here to maintain a new total in the same pass. */
export const ROLLUP_FOLDS: readonly RollupFold[] = [
  { name: 'action-inventory', apply: foldActionInventory },
  { name: 'invalid-actions', apply: foldInvalidActions },
  // Event totals and 24 h buckets for GET /v1/audit/metrics (migration 004 backfilled the past).
  { name: 'event-counts', apply: foldEventCounts },
];
