import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own logs (worker state, bundling) through our JSON logger at WARN and above,
 * instead of its multi-line console format. The SDK runtime is process-wide, so this happens once.
 */
export function installTemporalRuntimeLogger(logger: Logger): void {
  if (installed) return;
  installed = true;
  const child = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      child[LEVELS[entry.level]]({ ...entry.meta }, entry.message);
    }),
  });
}
