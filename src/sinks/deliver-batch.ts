import type { SecretKeyring } from '../crypto/secrets.js';
import { findUnfinishedBatch, finishDelivery, startDeliveryAttempt } from '../db/deliveries.js';
import type { Pool, PoolClient } from '../db/pool.js';
import { hasPendingEntries, type LogEntry, readSinkLog } from '../db/sink-log.js';
import { advanceSinkCursor, findSink, lockSinkForPublish, recordSinkError } from '../db/sinks.js';
import { toWireLine } from '../domain/event.js';
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

/** The leading entries that fit the driver's limits; filtered-out rows ride along for the cursor. */
function cutBatch(entries: LogEntry[], limits: BatchLimits): LogEntry[] {
  let bytes = 0;
  let events = 0;
  let take = 0;
  for (const entry of entries) {
    if (entry.matches) {
      const size = Buffer.byteLength(toWireLine(entry.event), 'utf8');
      if (events > 0 && (events >= limits.maxEvents || bytes + size > limits.maxBytes)) break;
      bytes += size;
      events++;
    }
    take++;
  }
  return entries.slice(0, take);
}

export function batchId(sinkId: string, after: LogPosition): string {
  return `${sinkId}-${after.txid}-${after.seq}`;
}

/**
 * Publishes the sink's next batch and moves its cursor, or says why there is nothing to do.
 *
 * Everything happens under the sink's publish lock, inside one transaction that stays free of a
 * transaction id until the very end: lock, re-read the sink (a PATCH/DELETE that answered before we
 * got the lock is seen here), read the batch, publish, then advance the cursor and mark the batch done
 * in the same commit. The attempt itself is recorded on another connection first, so a crash
 * mid-publish still leaves the attempt in history; the retry re-publishes the same range (at least once).
 */
export async function deliverNextBatch(deps: DeliverBatchDeps, target: BatchTarget): Promise<BatchResult> {
  const { tenantId, sinkId } = target;
  const client: PoolClient = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await lockSinkForPublish(client, sinkId);
    const sink = await findSink(client, tenantId, sinkId);
    const finish = async <T>(result: T) => {
      await client.query('commit');
      return result;
    };
    if (!sink) return await finish({ kind: 'gone' as const });
    if (!sink.enabled) return await finish({ kind: 'disabled' as const });
    if (sink.paused) return await finish({ kind: 'paused' as const });

    const driver = driverFor(deps.drivers, sink.type);
    const after = sink.cursor;
    const unfinished = await findUnfinishedBatch(client, tenantId, sinkId, after);
    const entries = await readSinkLog(client, {
      tenantId,
      workspaceId: sink.workspaceId,
      after,
      upTo: unfinished?.last,
      filter: sink.filter,
      limit: driver.batchLimits.maxEvents,
    });
    if (entries.length === 0) {
      await client.query('commit');
      const pending = await hasPendingEntries(deps.pool, { tenantId, workspaceId: sink.workspaceId, after });
      return { kind: 'caught_up', pending };
    }

    const batch = cutBatch(entries, driver.batchLimits);
    const last = batch.at(-1)!.position;
    const events = batch.filter((e) => e.matches);
    if (events.length === 0) {
      await advanceSinkCursor(client, tenantId, sinkId, last, false, 0, batch.length);
      return await finish({ kind: 'skipped' as const, events: batch.length });
    }

    const attempt = await startDeliveryAttempt(deps.pool, {
      tenantId,
      sinkId,
      after,
      last,
      eventCount: events.length,
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
          events: events.map((e) => e.event),
          first: events[0]!.position,
          last,
        },
        config,
        { signal: target.signal, logger: deps.logger, region: deps.region },
      );
    } catch (err) {
      // Release the lock before bookkeeping; the batch stays unpublished as far as the cursor knows.
      await client.query('rollback');
      const failure =
        err instanceof SinkDeliveryError
          ? err
          : new SinkDeliveryError(errorSummary(err), 'retryable', { cause: err });
      const summary = errorSummary(failure);
      await finishDelivery(deps.pool, tenantId, attempt.id, { status: 'failed', error: summary });
      await recordSinkError(deps.pool, tenantId, sinkId, summary);
      deps.metrics?.failed(sink.type, failure.kind);
      deps.logger.warn(
        { tenantId, sinkId, attempts: attempt.attempts, kind: failure.kind, error: summary },
        'sink delivery failed',
      );
      throw failure;
    }
    await advanceSinkCursor(client, tenantId, sinkId, last, true, events.length, batch.length);
    await finishDelivery(client, tenantId, attempt.id, { status: 'succeeded' });
    await client.query('commit');
    deps.metrics?.delivered(
      sink.type,
      events.map((e) => e.receivedAt),
      new Date(),
    );
    return { kind: 'delivered', events: events.length, requests: outcome.requests };
  } catch (err) {
    if (!(err instanceof SinkDeliveryError)) broken = err as Error;
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    // A connection that failed mid-transaction is discarded rather than returned to the pool.
    client.release(broken);
  }
}
