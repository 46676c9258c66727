import type { SecretKeyring } from '../crypto/secrets.js';
import { checkout } from '../db/checkout.js';
import {
  type DeliveryAttempt,
  failDelivery,
  type RecordedAttempt,
  startDeliveryAttempt,
} from '../db/deliveries.js';
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
  /** How long a run holds the publish lock at most (ms; RUN_MS). Tests lengthen it. */
  runMs?: number;
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

/** One batch as cut from the log: the entries the cursor moves past, and those to publish. */
interface CutBatch {
  /** Every entry the cursor moves past, filtered-out ones included. */
  entries: LogEntry[];
  /** The entries the filter lets through. */
  events: LogEntry[];
  last: LogPosition;
}

/** The leading entries that fit the driver's limits; filtered-out rows ride along for the cursor. */
function cutBatch(entries: LogEntry[], limits: BatchLimits): CutBatch | null {
  let bytes = 0;
  let take = 0;
  const events: LogEntry[] = [];
  for (const entry of entries) {
    if (entry.matches) {
      const size = Buffer.byteLength(entry.line, 'utf8');
      if (events.length > 0 && (events.length >= limits.maxEvents || bytes + size > limits.maxBytes)) break;
      bytes += size;
      events.push(entry);
    }
    take++;
  }
  if (take === 0) return null;
  const taken = entries.slice(0, take);
  return { entries: taken, events, last: taken.at(-1)!.position };
}

/**
 * The next batch, read ahead on a connection of its own while the current one is published. At the
 * start of a run it is used only if, under the lock, the sink still has the version and cursor it was
 * read for (no PATCH, replay or other publisher in between) and no unfinished batch starts there;
 * otherwise it is dropped and the batch read again.
 */
interface ReadAhead {
  after: LogPosition;
  version: number;
  /** Has it got its connection? One still queued for the pool is abandoned, never waited for. */
  connected: boolean;
  abandoned: boolean;
  batch: Promise<CutBatch | null>;
}

/**
 * A run: consecutive batches published under one hold of the publish lock, on one connection. Nothing
 * can change the sink while the lock is held (PATCH, DELETE and replay take it too), so it is read once
 * per run. A run ends when the sink is caught up, a publish fails, the activity stops, or after RUN_MS,
 * so a PATCH waits at most that long plus the publish in flight and the one already prepared.
 */
interface Run {
  client: PoolClient;
  sink: SinkRecord;
  cursor: LogPosition;
  endsAt: number;
  /**
   * The next batch, with its attempt already recorded by the statement that completed the batch before
   * it: the run publishes it next, before anything else (it neither ends nor reads first), and close()
   * publishes it too, so that a recorded attempt is always an attempt made.
   */
  prepared: { batch: CutBatch; attempt: RecordedAttempt } | null;
}

const RUN_MS = 250;

export function batchId(sinkId: string, after: LogPosition): string {
  return `${sinkId}-${after.txid}-${after.seq}`;
}

function samePosition(a: LogPosition, b: LogPosition): boolean {
  return a.txid === b.txid && a.seq === b.seq;
}

export interface BatchPublisher {
  /** Publishes the sink's next batch and moves its cursor, or says why there is nothing to do. */
  next(): Promise<BatchResult>;
  /**
   * Publishes the batch whose attempt is already recorded, if any (records it failed instead when the
   * target's signal is aborted), then ends the current run (releases the publish lock) and drops the
   * read-ahead.
   */
  close(): Promise<void>;
}

/**
 * Delivers one sink's log batch by batch, reading batch N+1 (on another connection) while batch N is
 * being published.
 *
 * Batches are published in runs under the sink's publish lock, held by one connection's session across
 * autocommit statements (none of them holds a transaction id for longer than its own commit). A run
 * starts by taking the lock and re-reading the sink (a PATCH/DELETE that answered before we got the lock
 * is seen here). Every attempt is recorded and committed before its batch is published (a crash
 * mid-publish still leaves it in history). After the publish one statement moves the cursor and marks the
 * attempt done, and, when batch N+1 is already read, records N+1's attempt too: within a run a batch costs
 * that one statement besides its publish. A crash before it leaves the cursor where it was: the retry
 * re-publishes the same range (at least once). A connection that could not unlock is discarded, which
 * releases the lock.
 */
export function createBatchPublisher(deps: DeliverBatchDeps, target: BatchTarget): BatchPublisher {
  const { tenantId, sinkId } = target;
  let readAhead: ReadAhead | null = null;
  let run: Run | null = null;
  let closing = false;

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

  function startReadAhead(sink: SinkRecord, after: LogPosition): void {
    const ahead: ReadAhead = {
      after,
      version: sink.version,
      connected: false,
      abandoned: false,
      batch: null!,
    };
    ahead.batch = (async () => {
      const client = await checkout(deps.pool);
      ahead.connected = true;
      try {
        return ahead.abandoned ? null : await read(client, sink, after);
      } finally {
        client.release();
      }
    })();
    // A failed read-ahead is only a missed optimisation: the batch is read on the run's connection.
    ahead.batch.catch(() => {});
    readAhead = ahead;
  }

  /**
   * The read-ahead's batch, or null. One that has not got a connection yet is abandoned rather than
   * waited for: a publisher holding its run's connection must never wait on the pool (with every
   * connection held by publishers that wait, none would be given back).
   */
  async function takeReadAhead(): Promise<{ ahead: ReadAhead; batch: CutBatch | null } | null> {
    const ahead = readAhead;
    readAhead = null;
    if (!ahead) return null;
    if (!ahead.connected) {
      ahead.abandoned = true;
      return null;
    }
    return { ahead, batch: await ahead.batch.catch(() => null) };
  }

  /** Unlocks and gives the connection back; one that failed, or could not unlock, is closed instead. */
  async function letGo(client: PoolClient, broken?: Error): Promise<void> {
    let failure = broken;
    if (!failure) {
      await unlockSinkForPublish(client, sinkId).catch((err: Error) => {
        failure = err;
      });
    }
    // Closing the connection releases the lock; such a connection never goes back to the pool.
    client.release(failure);
  }

  async function endRun(broken?: Error): Promise<void> {
    const ending = run;
    run = null;
    if (ending) await letGo(ending.client, broken);
  }

  /** Takes the lock and reads the sink: a run, or why there is nothing to publish. */
  async function startRun(): Promise<{ run: Run; batch: CutBatch | null } | BatchResult> {
    const ahead = await takeReadAhead();
    const client = await checkout(deps.pool);
    let found: Awaited<ReturnType<typeof findSinkForPublish>>;
    try {
      await holdSinkPublishLock(client, sinkId);
      found = await findSinkForPublish(client, tenantId, sinkId);
    } catch (err) {
      await letGo(client, err as Error);
      throw err;
    }
    const stop = found ? (!found.sink.enabled ? 'disabled' : found.sink.paused ? 'paused' : null) : 'gone';
    if (stop) {
      await letGo(client);
      return { kind: stop };
    }
    const { sink, unfinishedUpTo } = found!;
    run = { client, sink, cursor: sink.cursor, endsAt: Date.now() + (deps.runMs ?? RUN_MS), prepared: null };
    const aheadIsCurrent =
      ahead !== null &&
      ahead.ahead.version === sink.version &&
      samePosition(ahead.ahead.after, sink.cursor) &&
      unfinishedUpTo === null;
    const batch =
      (aheadIsCurrent ? ahead.batch : null) ??
      (await read(client, sink, sink.cursor, unfinishedUpTo ?? undefined));
    return { run, batch };
  }

  async function next(): Promise<BatchResult> {
    try {
      if (run?.prepared) return await publishPrepared(run);
      if (run && Date.now() >= run.endsAt) await endRun();
      let current: Run;
      let batch: CutBatch | null;
      if (run) {
        current = run;
        // Within a run the sink cannot change and the cursor is ours: the read-ahead is always current.
        batch = (await takeReadAhead())?.batch ?? (await read(current.client, current.sink, current.cursor));
      } else {
        const started = await startRun();
        if ('kind' in started) return started;
        current = started.run;
        batch = started.batch;
      }
      if (!batch) {
        const pending = await hasPendingEntries(current.client, {
          tenantId,
          workspaceId: current.sink.workspaceId,
          after: current.cursor,
        });
        await endRun();
        return { kind: 'caught_up', pending };
      }
      startReadAhead(current.sink, batch.last);
      return await publish(current, batch);
    } catch (err) {
      await endRun(err instanceof SinkDeliveryError ? undefined : (err as Error));
      throw err;
    }
  }

  async function publishPrepared(current: Run): Promise<BatchResult> {
    const { batch, attempt } = current.prepared!;
    current.prepared = null;
    return await publish(current, batch, attempt);
  }

  function attemptOf(after: LogPosition, batch: CutBatch): DeliveryAttempt {
    return {
      tenantId,
      sinkId,
      after,
      last: batch.last,
      eventCount: batch.events.length,
      workflowId: target.workflowId,
      runId: target.runId,
    };
  }

  /**
   * The batch after `last`, when it can be prepared: the read-ahead has it (waited for only if it has its
   * connection, like takeReadAhead), it has events to publish, and the run goes on. It replaces the
   * read-ahead, which moves on to the batch after it. The wait costs nothing: the run would wait for the
   * same read before its next publish.
   */
  async function takePreparable(current: Run, last: LogPosition): Promise<CutBatch | null> {
    const ahead = readAhead;
    if (closing || target.signal.aborted || !ahead?.connected || !samePosition(ahead.after, last))
      return null;
    const following = await ahead.batch.catch(() => null);
    if (!following || following.events.length === 0 || Date.now() >= current.endsAt) return null;
    // The batch after it is read from now on, while this one's attempt is recorded and it is published.
    startReadAhead(current.sink, following.last);
    return following;
  }

  /**
   * Moves the cursor past a batch (and marks its attempt succeeded); when the following batch is already
   * read, the same statement records its attempt and the run will publish it next.
   */
  async function complete(current: Run, batch: CutBatch, attemptId: number | null): Promise<void> {
    const following = await takePreparable(current, batch.last);
    const recorded = await completeBatch(
      current.client,
      {
        tenantId,
        sinkId,
        to: batch.last,
        attemptId,
        deliveredEvents: attemptId === null ? 0 : batch.events.length,
        passedEvents: batch.entries.length,
      },
      following ? attemptOf(batch.last, following) : undefined,
    );
    current.cursor = batch.last;
    if (following && recorded) current.prepared = { batch: following, attempt: recorded };
  }

  async function publish(current: Run, batch: CutBatch, recorded?: RecordedAttempt): Promise<BatchResult> {
    const { client, sink } = current;
    const after = current.cursor;
    if (batch.events.length === 0) {
      await complete(current, batch, null);
      return { kind: 'skipped', events: batch.entries.length };
    }

    const driver = driverFor(deps.drivers, sink.type);
    const attempt = recorded ?? (await startDeliveryAttempt(client, attemptOf(after, batch)));
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
          lines: batch.events.map((e) => e.line),
          first: batch.events[0]!.position,
          last: batch.last,
        },
        config,
        { signal: target.signal, logger: deps.logger, region: deps.region },
      );
    } catch (err) {
      // The cursor stays before the batch: the retry publishes the same range again (the run ends).
      const failure =
        err instanceof SinkDeliveryError
          ? err
          : new SinkDeliveryError(errorSummary(err), 'retryable', { cause: err });
      const summary = errorSummary(failure);
      await failDelivery(client, tenantId, attempt.id, summary);
      await recordSinkError(client, tenantId, sinkId, summary);
      deps.metrics?.failed(sink.type, failure.kind);
      deps.logger.warn(
        { tenantId, sinkId, attempts: attempt.attempts, kind: failure.kind, error: summary },
        'sink delivery failed',
      );
      throw failure;
    }
    await complete(current, batch, attempt.id);
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
      closing = true;
      try {
        // An attempt already recorded is carried out (a failure is recorded like any other, and the
        // next activity retries the batch), unless the activity is being cancelled: then it is recorded
        // as failed, nothing having been sent.
        if (run?.prepared && !target.signal.aborted) {
          await next().catch((err: unknown) =>
            deps.logger.warn({ tenantId, sinkId, err }, 'the last prepared batch failed; it will be retried'),
          );
        } else if (run?.prepared) {
          await failDelivery(
            run.client,
            tenantId,
            run.prepared.attempt.id,
            'cancelled before it was published',
          );
        }
      } finally {
        closing = false;
        await endRun();
        await takeReadAhead();
      }
    },
  };
}
