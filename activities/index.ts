import type { Pool } from '../src/db/pool.js';
import type { Logger } from '../src/logger.js';

/** What the activities need from the outside world; passed in, never imported as singletons. */
export interface ActivityDeps {
  pool: Pool;
  logger: Logger;
  now?: () => Date;
}

/** Builds every activity the worker registers. Workflows import only the type. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
