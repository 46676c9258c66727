import type { SecretKeyring } from '../crypto/secrets.js';
import { finishDelivery, startDeliveryAttempt } from '../db/deliveries.js';
import type { Pool, PoolClient, Queryable } from '../db/pool.js';
import { hasPendingEntries, type LogEntry, readSinkLog } from '../db/sink-log.js';
import {
  completeBatch,
  findSinkForPublish,
  holdSinkPublishLock,
  recordSinkError,
  type SinkRecord,
  unlockSinkForPublish,
} from '../db/sinks.js';
import type { Logger } from '../logger.js';
import type { DeliveryMetrics } from '../metrics/delivery-metrics.js';
import { openConfig } from './config-secrets.js';
import { type BatchLimits, errorSummary, type LogPosition, SinkDeliveryError } from './driver.js';
import { driverFor, type SinkDriverRegistry } from './registry.js';

export interface DeliverBatchDeps {
  pool: Pool;
  logger: Logger;
  keyring: SecretKeyring;
  drivers: SinkDriverRegistry;
  region: string;
  /** Prometheus counters and the end-to-end latency histogram of this worker process. */
  metrics?: DeliveryMetrics;
}

export interface BatchTarget {
  tenantId: string;
  sinkId: string;
  /** Recorded in the delivery history so an operator can jump from a batch to its workflow run. */
  workflowId: string | null;
  runId: string | null;
  signal: AbortSignal;
}

export type BatchResult =
  | { kind: 'delivered'; events: number; requests: number }
  /** Only filtered-out events: the cursor moved past them, nothing was published. */
  | { kind: 'skipped'; events: number }
  /** pending: rows exist past the cursor that the horizon still hides (an older transaction is open). */
  | { kind: 'caught_up'; pending: boolean }
  | { kind: 'paused' | 'disabled' | 'gone' };

/** One batch as cut from the log: the entries the cursor moves past, and the wire lines to publish. */
interface CutBatch {
  /** Every entry the cursor moves past, filtered-out ones included. */
  entries: LogEntry[];
  /** The entries the filter lets through, and their wire lines. */
  events: LogEntry[];
  lines: string[];
  last: LogPosition;
}

/** The leading entries that fit the driver's limits; filtered-out rows ride along for the cursor. */
function cutBatch(entries: LogEntry[], limits: BatchLimits): CutBatch | null {
  let bytes = 0;
  let take = 0;
  const events: LogEntry[] = [];
  const lines: string[] = [];
  for (const entry of entries) {
    if (entry.matches) {
      const size = Buffer.byteLength(entry.line, 'utf8');
      if (events.length > 0 && (events.length >= limits.maxEvents || bytes + size > limits.maxBytes)) break;
      bytes += size;
      events.push(entry);
      lines.push(entry.line);
    }
    take++;
  }
  if (take === 0) return null;
  const taken = entries.slice(0, take);
  return { entries: taken, events, lines, last: taken.at(-1)!.position };
}

/**
 * The next batch, read ahead while the current one is published. It is only used when, under the lock,
 * the sink is still at the version and cursor it was read for (no PATCH, replay or other publisher in
 * between) and no unfinished batch starts there; otherwise it is dropped and the batch read again.
 */
interface ReadAhead {
  after: LogPosition;
  version: number;
  batch: Promise<CutBatch | null>;
}

export function batchId(sinkId: string, after: LogPosition): string {
  return `${sinkId}-${after.txid}-${after.seq}`;
}

function samePosition(a: LogPosition, b: LogPosition): boolean {
  return a.txid === b.txid && a.seq === b.seq;
}

export interface BatchPublisher {
  /** Publishes the sink's next batch and moves its cursor, or says why there is nothing to do. */
  next(): Promise<BatchResult>;
  /** Waits for a read-ahead still running (its result is dropped). */
  close(): Promise<void>;
}

/**
 * Delivers one sink's log batch by batch, reading batch N+1 (on another connection, and serializing
 * its wire lines) while batch N is being published.
 *
 * Each batch is published under the sink's publish lock, held by one connection's session across
 * autocommit statements (none of them holds a transaction id for longer than its own commit): lock,
 * re-read the sink (a PATCH/DELETE that answered before we got the lock is seen here), take the batch,
 * record the attempt (committed before publishing, so a crash mid-publish still leaves it in history),
 * publish, then move the cursor and mark the attempt done in one statement, and unlock. A crash before
 * that statement leaves the cursor where it was: the retry re-publishes the same range (at least once).
 * A connection that could not unlock is discarded, which releases the lock.
 */
export function createBatchPublisher(deps: DeliverBatchDeps, target: BatchTarget): BatchPublisher {
  const { tenantId, sinkId } = target;
  let readAhead: ReadAhead | null = null;

  function read(db: Queryable, sink: SinkRecord, after: LogPosition, upTo?: LogPosition) {
    const limits = driverFor(deps.drivers, sink.type).batchLimits;
    return readSinkLog(db, {
      tenantId,
      workspaceId: sink.workspaceId,
      after,
      upTo,
      filter: sink.filter,
      limit: limits.maxEvents,
    }).then((entries) => cutBatch(entries, limits));
  }

  /** Settles the read-ahead (before a connection is taken: it needs one of its own). */
  async function settleReadAhead(): Promise<{ ahead: ReadAhead; batch: CutBatch | null } | null> {
    const ahead = readAhead;
    readAhead = null;
    if (!ahead) return null;
    // A failed read-ahead is only a missed optimisation: the batch is read again under the lock.
    return { ahead, batch: await ahead.batch.catch(() => null) };
  }

  async function next(): Promise<BatchResult> {
    const settled = await settleReadAhead();
    const client: PoolClient = await deps.pool.connect();
    let broken: Error | undefined;
    try {
      await holdSinkPublishLock(client, sinkId);
      try {
        return await publishLocked(client, settled);
      } finally {
        await unlockSinkForPublish(client, sinkId).catch((err: Error) => {
          broken = err;
        });
      }
    } catch (err) {
      if (!(err instanceof SinkDeliveryError)) broken ??= err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async function publishLocked(
    client: PoolClient,
    settled: { ahead: ReadAhead; batch: CutBatch | null } | null,
  ): Promise<BatchResult> {
    const found = await findSinkForPublish(client, tenantId, sinkId);
    if (!found) return { kind: 'gone' };
    const { sink, unfinishedUpTo } = found;
    if (!sink.enabled) return { kind: 'disabled' };
    if (sink.paused) return { kind: 'paused' };

    const after = sink.cursor;
    // The read-ahead is used only if no PATCH, replay or other publisher came in between.
    const aheadIsCurrent =
      settled !== null &&
      settled.ahead.version === sink.version &&
      samePosition(settled.ahead.after, after) &&
      unfinishedUpTo === null;
    const batch =
      (aheadIsCurrent ? settled.batch : null) ??
      (await read(client, sink, after, unfinishedUpTo ?? undefined));
    if (!batch) {
      const pending = await hasPendingEntries(client, { tenantId, workspaceId: sink.workspaceId, after });
      return { kind: 'caught_up', pending };
    }
    const readNext = read(deps.pool, sink, batch.last);
    readNext.catch(() => {});
    readAhead = { after: batch.last, version: sink.version, batch: readNext };

    const passed = { tenantId, sinkId, to: batch.last, passedEvents: batch.entries.length };
    if (batch.events.length === 0) {
      await completeBatch(client, { ...passed, attemptId: null, deliveredEvents: 0 });
      return { kind: 'skipped', events: batch.entries.length };
    }

    const driver = driverFor(deps.drivers, sink.type);
    const attempt = await startDeliveryAttempt(client, {
      tenantId,
      sinkId,
      after,
      last: batch.last,
      eventCount: batch.events.length,
      workflowId: target.workflowId,
      runId: target.runId,
    });
    let outcome: Awaited<ReturnType<typeof driver.deliver>>;
    try {
      const config = openConfig(deps.keyring, sink.type, sink.config);
      outcome = await driver.deliver(
        {
          batchId: batchId(sinkId, after),
          tenantId,
          workspaceId: sink.workspaceId,
          sinkId,
          events: batch.events.map((e) => e.event),
          lines: batch.lines,
          first: batch.events[0]!.position,
          last: batch.last,
        },
        config,
        { signal: target.signal, logger: deps.logger, region: deps.region },
      );
    } catch (err) {
      // The cursor stays before the batch: the retry publishes the same range again (and drops the read-ahead).
      const failure =
        err instanceof SinkDeliveryError
          ? err
          : new SinkDeliveryError(errorSummary(err), 'retryable', { cause: err });
      const summary = errorSummary(failure);
      await finishDelivery(client, tenantId, attempt.id, { status: 'failed', error: summary });
      await recordSinkError(client, tenantId, sinkId, summary);
      deps.metrics?.failed(sink.type, failure.kind);
      deps.logger.warn(
        { tenantId, sinkId, attempts: attempt.attempts, kind: failure.kind, error: summary },
        'sink delivery failed',
      );
      throw failure;
    }
    await completeBatch(client, { ...passed, attemptId: attempt.id, deliveredEvents: batch.events.length });
    deps.metrics?.delivered(
      sink.type,
      batch.events.map((e) => e.receivedAtMs),
      Date.now(),
    );
    return { kind: 'delivered', events: batch.events.length, requests: outcome.requests };
  }

  return {
    next,
    async close() {
      await settleReadAhead();
    },
  };
}
