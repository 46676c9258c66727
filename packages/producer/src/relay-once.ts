import { checkout, type PoolLike } from './db.js';
import { type DeliveryCounts, type DeliveryFailure, deliverRows, type RelayMemory } from './deliver-rows.js';
import { MAX_BATCH_EVENTS } from './event.js';
import type { RelayLogger } from './logger.js';
import { claimRows } from './outbox-rows.js';
import type { ApiTarget } from './send-batch.js';
import { type OutboxTableOptions, outboxTables } from './tables.js';

export interface RelayPassOptions extends ApiTarget, OutboxTableOptions {
  /** The producer's database (where `migrate` created the outbox). */
  pool: PoolLike;
  /** Rows claimed (and locked) per transaction; also the most events per request. Default 500, at most 1000. */
  batchSize?: number | undefined;
  /** Request bodies are kept under this size (the API answers 413 above 5 MiB). Default 4 MiB. */
  maxRequestBytes?: number | undefined;
  /** Stop the pass after this many batches even if rows remain. Default: until the outbox is empty. */
  maxBatches?: number | undefined;
  /** Default: silent. */
  logger?: RelayLogger | undefined;
  /** Checked between batches; returning false ends the pass after the batch in flight. */
  shouldContinue?: (() => boolean) | undefined;
  /** Carried across passes by a long-running relay; a fresh one per pass is fine. */
  memory?: RelayMemory | undefined;
}

export interface RelayPassResult extends DeliveryCounts {
  /** Batches claimed in this pass (including the one that failed, if any). */
  batches: number;
  /** The last claim found fewer rows than batchSize: nothing more to do for now. */
  drained: boolean;
  /** Why the pass stopped early: the remaining rows stay in the outbox for a later pass. */
  failure: DeliveryFailure | null;
}

const silent: RelayLogger = { info() {}, warn() {}, error() {} };

/**
 * One drain pass: claims batches with `for update skip locked`, POSTs each, removes what the API
 * accepted and commits, until the outbox is empty, maxBatches is reached, or the API is unavailable.
 * It never sleeps: waiting (backoff, Retry-After) is the caller's business. That makes it usable both
 * from the poller (startOutboxRelay) and as a Temporal activity on a schedule.
 *
 * Each batch holds its row locks for the duration of its HTTP requests, inside one transaction, so any
 * number of relays can run against one outbox: they never claim the same row, and a relay that dies
 * releases its rows with its connection. A batch the API stored but whose removal did not commit is
 * sent again later; the event ids make that resend a duplicate, not a second event.
 */
export async function relayOutboxOnce(options: RelayPassOptions): Promise<RelayPassResult> {
  const tables = outboxTables(options);
  const batchSize = Math.min(MAX_BATCH_EVENTS, Math.max(1, options.batchSize ?? 500));
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const logger = options.logger ?? silent;
  const memory = options.memory ?? { credentialsProven: false };
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const result: RelayPassResult = {
    batches: 0,
    delivered: 0,
    accepted: 0,
    duplicates: 0,
    deadLettered: 0,
    drained: false,
    failure: null,
  };

  while (result.batches < maxBatches && (options.shouldContinue?.() ?? true)) {
    // Held across the HTTP requests: checkout() keeps a lost connection from ending the host's process.
    const client = await checkout(options.pool);
    let claimed = 0;
    let broken: unknown;
    try {
      await client.query('begin');
      // A relay cut off from its network mid-request must not hold rows forever: the server ends the
      // session (and releases the locks) if the transaction sits idle much longer than a request may take.
      // Bisection makes several requests, so the limit is per idle period, not per batch.
      await client.query(`select set_config('idle_in_transaction_session_timeout', $1::text, true)`, [
        String(requestTimeoutMs * 2 + 10_000),
      ]);
      const rows = await claimRows(client, tables, batchSize);
      claimed = rows.length;
      if (claimed > 0) {
        result.batches += 1;
        result.failure = await deliverRows(
          {
            db: client,
            tables,
            target: options,
            maxRequestBytes: options.maxRequestBytes ?? 4 * 1024 * 1024,
            memory,
            counts: result,
            logger,
          },
          rows,
        );
      }
      await client.query('commit');
    } catch (err) {
      broken = err;
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      // A client whose connection failed must not go back to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
    if (result.failure) break;
    if (claimed < batchSize) {
      result.drained = true;
      break;
    }
  }
  return result;
}
