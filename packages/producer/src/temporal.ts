/**
 * `@audit-platform/producer/temporal`: the relay as a Temporal activity. A separate entry point so that
 * only producers who use it need `@temporalio/common` (an optional peer dependency).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { RelayMemory } from './deliver-rows.js';
import { type RelayPassOptions, type RelayPassResult, relayOutboxOnce } from './relay-once.js';

export type OutboxRelayActivityOptions = Omit<RelayPassOptions, 'shouldContinue' | 'memory'>;

export const AUDIT_OUTBOX_UNAVAILABLE = 'AuditOutboxUnavailable';

export interface OutboxRelayActivities {
  relayAuditOutbox(): Promise<RelayPassResult>;
}

/**
 * The relay as a Temporal activity, for producers that already run a Temporal worker: register these
 * activities and start a tiny workflow that calls `relayAuditOutbox` from a schedule (see README).
 *
 * One call is one bounded drain pass (maxBatches defaults to 20 so an activity attempt stays short).
 * When the API is unavailable it throws a retryable ApplicationFailure after committing whatever it
 * delivered; the activity's retry policy is the backoff, and an API Retry-After becomes the failure's
 * nextRetryDelay. Rows are safe in the outbox either way, and the next scheduled run continues.
 */
export function createOutboxRelayActivities(options: OutboxRelayActivityOptions): OutboxRelayActivities {
  // Lives as long as the worker: a 403 is only blamed on an event once this key has worked at least once.
  const memory: RelayMemory = { credentialsProven: false };
  return {
    async relayAuditOutbox(): Promise<RelayPassResult> {
      const result = await relayOutboxOnce({ maxBatches: 20, ...options, memory });
      if (result.failure) {
        const { retryAfterMs } = result.failure;
        throw ApplicationFailure.create({
          type: AUDIT_OUTBOX_UNAVAILABLE,
          message: `audit outbox relay stopped: ${result.failure.error}`,
          ...(retryAfterMs === null ? {} : { nextRetryDelay: retryAfterMs }),
          details: [result],
        });
      }
      return result;
    },
  };
}

export type { RelayPassResult } from './relay-once.js';
