/**
 * `@audit-platform/producer`: the producer outbox.
 *
 *   await migrate(pool)                                  once, at start (creates the outbox tables)
 *   await enqueue(client, event)                         inside the transaction of the business change
 *   const relay = startOutboxRelay({ pool, apiUrl, apiKey })   ships committed rows to the audit API
 *
 * The relay as a Temporal activity is `@audit-platform/producer/temporal`. See the package's README.
 */
export { type BackoffOptions, backoffDelayMs, parseRetryAfter } from './backoff.js';
export type { PoolClientLike, PoolLike, Queryable, QueryResultLike, TransactionClient } from './db.js';
export type { DeliveryCounts, DeliveryFailure, RelayMemory } from './deliver-rows.js';
export { enqueue } from './enqueue.js';
export { type FieldError, ValidationError } from './errors.js';
export type { AuditEventInput } from './event.js';
export type { RelayLogger } from './logger.js';
export { migrate } from './migrate.js';
export { type OutboxLag, readOutboxLag, requeueDeadLetters } from './outbox-rows.js';
export {
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRelayStats,
  startOutboxRelay,
} from './relay.js';
export { type RelayPassOptions, type RelayPassResult, relayOutboxOnce } from './relay-once.js';
export type { ApiTarget } from './send-batch.js';
export { OutboxConfigError, type OutboxTableOptions } from './tables.js';
