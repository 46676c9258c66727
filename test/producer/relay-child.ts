/**
 * A relay in a process of its own, for the crash test: started from the environment, stopped gracefully
 * by SIGTERM (or killed by SIGKILL). Prints "relay started" once polling.
 */

import { startOutboxRelay } from '../../packages/producer/src/index.js';
import { createPool } from '../../src/db/pool.js';

const pool = createPool(process.env.PRODUCER_DATABASE_URL!, 4);
const relay = startOutboxRelay({
  pool,
  apiUrl: process.env.AUDIT_API_URL!,
  apiKey: process.env.AUDIT_API_KEY!,
  schema: process.env.OUTBOX_SCHEMA,
  batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 500),
  pollIntervalMs: 100,
  minBackoffMs: 50,
  maxBackoffMs: 500,
  logger: { info() {}, warn() {}, error: (obj, msg) => console.error(msg, JSON.stringify(obj)) },
});
console.log('relay started');
process.once('SIGTERM', async () => {
  await relay.stop();
  await pool.end();
  process.exit(0);
});
