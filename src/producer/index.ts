/**
 * The producer outbox: `audit-platform/producer`.
 *
 *   await migrate(pool)                                  once, at start (creates the outbox tables)
 *   await enqueue(client, event)                         inside the transaction of the business change
 *   const relay = startOutboxRelay({ pool, apiUrl, apiKey })   ships committed rows to the audit API
 *
 * See the "Producer outbox" section of the README for the guarantees and options.
 */
export { ValidationError } from '../domain/errors.js';
export type { EventInput as AuditEventInput } from '../domain/event.js';
export {
  AUDIT_OUTBOX_UNAVAILABLE,
  createOutboxRelayActivities,
  type OutboxRelayActivityOptions,
} from './activity.js';
export { type BackoffOptions, backoffDelayMs, parseRetryAfter } from './backoff.js';
export type { DeliveryFailure, RelayLogger } from './deliver-rows.js';
export { enqueue, type TransactionClient } from './enqueue.js';
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
