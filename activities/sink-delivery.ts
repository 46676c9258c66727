import { ApplicationFailure, Context } from '@temporalio/activity';
import { createKeyring } from '../src/crypto/secrets.js';
import type { Pool } from '../src/db/pool.js';
import { renewDrainLease, settlePassedCount } from '../src/db/sinks.js';
import { isDatabaseUnavailable } from '../src/db/unavailable.js';
import type { Logger } from '../src/logger.js';
import type { DeliveryMetrics } from '../src/metrics/delivery-metrics.js';
import { type BatchResult, createBatchPublisher } from '../src/sinks/deliver-batch.js';
import { isConfigError, SinkDeliveryError } from '../src/sinks/driver.js';
import { createSinkDriverRegistry, type SinkDriverRegistry } from '../src/sinks/registry.js';
import type { SinkWorkflowInput } from '../workflows/definitions.js';

export interface SinkActivityDeps {
  pool: Pool;
  logger: Logger;
  /** AUDIT_SECRET_KEY (resolved by runtime/state.ts): opens the sinks' sealed secrets. */
  secretKey: string;
  /** AUDIT_REGION, for drivers' region checks. */
  region: string;
  sinkDrivers?: SinkDriverRegistry;
  /** This worker process's Prometheus delivery metrics. */
  deliveryMetrics?: DeliveryMetrics;
  now?: () => Date;
  /** How long one drainSink call keeps delivering before handing back to the workflow. */
  drainBudgetMs?: number;
  /** How long a caught-up drainSink keeps polling for new events before it lets go of the sink. */
  lingerMs?: number;
}

export interface DrainResult {
  state: 'caught_up' | 'more' | 'paused' | 'disabled' | 'gone';
  /** Rows past the cursor that the horizon still hides: the workflow looks again soon. */
  pending: boolean;
  delivered: number;
  batches: number;
}

const HEARTBEAT_EVERY_MS = 2000;
/** The drain lease's length; renewed every half of it while the activity works or lingers. */
const DRAIN_LEASE_MS = 2000;
/** While lingering, how often the log is read for new events (the added latency at worst). */
const LINGER_POLL_MS = 100;
/** While the database is away, how often it is asked whether it is back (the added delay at worst). */
const DATABASE_PROBE_MS = 500;
/** How long one drainSink call waits for the database before handing back to the workflow (which calls again). */
const DATABASE_WAIT_MS = 60_000;

export function createSinkDeliveryActivities(deps: SinkActivityDeps) {
  const keyring = createKeyring(deps.secretKey);
  const drivers = deps.sinkDrivers ?? createSinkDriverRegistry();
  const now = () => (deps.now ? deps.now().getTime() : Date.now());
  const budgetMs = deps.drainBudgetMs ?? 20_000;
  const lingerMs = deps.lingerMs ?? 2000;
  const leaseMs = DRAIN_LEASE_MS;
  const pollMs = LINGER_POLL_MS;

  return {
    /**
     * Delivers batch after batch until the sink is caught up, stopped, or the time budget is spent.
     * Heartbeats on a timer, not per batch, so one slow batch (record retries) does not look like a
     * dead worker. Config errors become non-retryable failures: the workflow then waits for a PATCH.
     */
    async drainSink(input: SinkWorkflowInput): Promise<DrainResult> {
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await drain(ctx, input);
      } catch (err) {
        // A lost database is waited for here rather than failed: the retry policy's backoff would grow
        // over an outage of any length and delay delivery long after the database is back. Nothing is
        // lost: the cursor moves only with a batch recorded as delivered (a batch cut off mid-way is
        // published again, at least once).
        // A destination's failure (already an ApplicationFailure) keeps the retry policy's backoff.
        if (err instanceof ApplicationFailure || !isDatabaseUnavailable(err)) throw err;
        deps.logger.warn(
          { err, tenantId: input.tenantId, sinkId: input.sinkId },
          'database unavailable; delivery waits for it',
        );
        const until = now() + DATABASE_WAIT_MS;
        do await ctx.sleep(DATABASE_PROBE_MS);
        while (now() < until && !(await databaseAnswers()));
        // The workflow calls again at once: delivery resumes from the cursor within a probe of the return.
        return { state: 'more', pending: false, delivered: 0, batches: 0 };
      } finally {
        clearInterval(heartbeat);
      }
    },
  };

  function databaseAnswers(): Promise<boolean> {
    return deps.pool.query('select 1').then(
      () => true,
      () => false,
    );
  }

  async function drain(ctx: Context, input: SinkWorkflowInput): Promise<DrainResult> {
    const started = now();
    const result: DrainResult = { state: 'caught_up', pending: false, delivered: 0, batches: 0 };
    // The drain lease (see renewDrainLease): while it lasts, ingest sends this sink no wake-up signal,
    // so this activity must read everything committed before the lease ends. It lets go by no longer
    // renewing it, and returns `caught_up` only after a read that started once the lease had expired.
    let leaseUntil = 0;
    let renewedAt = Number.NEGATIVE_INFINITY;
    let idleSince: number | null = null;
    // Lag is read from counters once the sink's passed_count can be counted exactly (paused sinks too).
    await settlePassedCount(deps.pool, input.tenantId, input.sinkId);
    const publisher = createBatchPublisher(
      {
        pool: deps.pool,
        logger: deps.logger,
        keyring,
        drivers,
        region: deps.region,
        metrics: deps.deliveryMetrics,
      },
      {
        tenantId: input.tenantId,
        sinkId: input.sinkId,
        workflowId: ctx.info.workflowExecution?.workflowId ?? null,
        runId: ctx.info.workflowExecution?.runId ?? null,
        signal: ctx.cancellationSignal,
      },
    );
    try {
      for (;;) {
        const t = now();
        const budgetSpent = t - started >= budgetMs;
        const lettingGo = idleSince !== null && (t - idleSince >= lingerMs || budgetSpent);
        if (!lettingGo && t - renewedAt >= leaseMs / 2) {
          await renewDrainLease(deps.pool, input.tenantId, input.sinkId, leaseMs);
          renewedAt = t;
          leaseUntil = t + leaseMs;
        }
        let batch: BatchResult;
        try {
          batch = await publisher.next();
        } catch (err) {
          if (isConfigError(err)) throw ApplicationFailure.nonRetryable(err.message, 'SinkConfigError');
          if (err instanceof SinkDeliveryError) {
            // A destination's Retry-After (HTTP 429/503) replaces the policy's backoff for this attempt.
            throw ApplicationFailure.create({
              message: err.message,
              type: err.name,
              nonRetryable: false,
              nextRetryDelay: err.retryAfterMs,
            });
          }
          throw err;
        }
        if (batch.kind === 'delivered' || batch.kind === 'skipped') {
          result.batches++;
          if (batch.kind === 'delivered') result.delivered += batch.events;
          idleSince = null;
          // The workflow starts the next drainSink at once, which renews the lease: no event waits.
          if (now() - started >= budgetMs) return { ...result, state: 'more' };
          continue;
        }
        if (batch.kind !== 'caught_up') return { ...result, state: batch.kind };
        result.pending = batch.pending;
        // Caught up: linger a little (new events are read within a poll, with no signal, no workflow
        // task), then let the lease run out and read once more before handing back to the workflow.
        idleSince ??= t;
        if (lettingGo && t >= leaseUntil) return { ...result, state: 'caught_up' };
        await ctx.sleep(Math.max(1, Math.min(pollMs, lettingGo ? leaseUntil - now() : pollMs)));
      }
    } finally {
      await publisher.close();
    }
  }
}
