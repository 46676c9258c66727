import { advanceLogConsumer, claimLogConsumer, nextLogRange } from '../db/log-consumers.js';
import { type Pool, withTransaction } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { ROLLUP_FOLDS, type RollupFold } from './folds.js';

/** The cursor row in audit_log_consumers (created by migration 002). */
export const ROLLUP_CONSUMER = 'rollup';
export const ROLLUP_BATCH_SIZE = 5000;

/**
 * Folds the next batch of the event log into every aggregate, exactly once: the cursor row is locked,
 * the folds and the cursor move commit together, and a concurrent step in another process skips the
 * locked row instead of reading the same batch. Answers how many events were folded (0: nothing to do,
 * or another process is folding).
 */
export async function rollupStep(
  pool: Pool,
  folds: readonly RollupFold[] = ROLLUP_FOLDS,
  batchSize = ROLLUP_BATCH_SIZE,
): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const cursor = await claimLogConsumer(tx, ROLLUP_CONSUMER);
    if (!cursor) return 0;
    const range = await nextLogRange(tx, cursor, batchSize);
    if (!range) return 0;
    for (const fold of folds) await fold.apply(tx, range);
    await advanceLogConsumer(tx, ROLLUP_CONSUMER, range.to);
    return range.count;
  });
}

export interface LogRollupOptions {
  pool: Pool;
  logger: Logger;
  intervalMs?: number;
  folds?: readonly RollupFold[];
}

export interface RunningLogRollup {
  stop(): Promise<void>;
}

/**
 * Runs the rollup off the ingest path, in the worker: every tick it drains the log while there is work.
 * Ingest never waits for it; the inventory trails ingest by about one tick.
 */
export function startLogRollup(opts: LogRollupOptions): RunningLogRollup {
  const intervalMs = opts.intervalMs ?? 500;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const drain = async () => {
    try {
      // Straight on only while there is a backlog (a full batch): under steady ingest each tick folds
      // one tick's worth of events in one step, rather than a stream of tiny steps that each pay for
      // their statements and a commit while competing with ingest for the same cores.
      while (!stopped && (await rollupStep(opts.pool, opts.folds)) >= ROLLUP_BATCH_SIZE) {}
    } catch (err) {
      // A deadlock or a lost connection rolls the step back; the next tick folds the same batch again.
      opts.logger.warn({ err }, 'log rollup step failed; retrying on the next tick');
    }
  };
  const tick = () => {
    current = drain().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
