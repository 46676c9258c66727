import type { Client } from '@temporalio/client';
import { createKeyring } from '../crypto/secrets.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { createSinkDriverRegistry, type SinkDriverOptions } from './registry.js';
import type { SinkApiDeps } from './sink-api.js';
import { createSinkWaker, type SinkWaker } from './wake-on-ingest.js';
import { createSinkWorkflowControl } from './workflow-control.js';

/** The sink machinery one process shares between its API and its worker (built in runtime/platform.ts). */
export interface SinkRuntime extends Omit<SinkApiDeps, 'waker'> {
  createWaker(): SinkWaker;
}

export function createSinkRuntime(opts: {
  pool: Pool;
  logger: Logger;
  client: Client;
  secretKey: string;
  region: string;
  taskQueue: string;
  idPrefix: string;
  /** Driver settings (SSRF guard, S3 endpoint) from the deployment's config. */
  drivers?: SinkDriverOptions;
}): SinkRuntime {
  const workflows = createSinkWorkflowControl(opts);
  return {
    keyring: createKeyring(opts.secretKey),
    drivers: createSinkDriverRegistry(opts.drivers),
    workflows,
    region: opts.region,
    createWaker: () => createSinkWaker({ pool: opts.pool, control: workflows, logger: opts.logger }),
  };
}
