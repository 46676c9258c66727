import type { Config } from '../src/config.js';
import type { Pool } from '../src/db/pool.js';
import type { Logger } from '../src/logger.js';
import { createInventoryActivities } from './inventory.js';

/** What the activities need from the outside world; passed in, never imported as singletons. */
export interface ActivityDeps {
  pool: Pool;
  logger: Logger;
  now?: () => Date;
  /** Naming convention and promotion thresholds (config.actions). */
  actions: Config['actions'];
}

/** Builds every activity the worker registers. Workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInventoryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
