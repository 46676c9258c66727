import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import type { RelayMemory } from './deliver-rows.js';
import { jsonLineLogger, type RelayLogger } from './logger.js';
import { type OutboxLag, readOutboxLag } from './outbox-rows.js';
import { type RelayPassOptions, type RelayPassResult, relayOutboxOnce } from './relay-once.js';
import { outboxTables } from './tables.js';

export interface OutboxRelayOptions
  extends Omit<RelayPassOptions, 'shouldContinue' | 'memory'>,
    BackoffOptions {
  /** Wait between passes when the outbox is empty. Default 1 s (call wake() to deliver sooner). */
  pollIntervalMs?: number | undefined;
  /** How often the lag is measured and logged. Default 30 s. */
  lagIntervalMs?: number | undefined;
  /** Lag is logged as a warning once the oldest pending event is older than this. Default 5 min. */
  lagWarnAfterMs?: number | undefined;
  /** Called after every pass (for the producer's own metrics). */
  onPass?: ((result: RelayPassResult) => void) | undefined;
}

export interface OutboxRelayStats {
  passes: number;
  delivered: number;
  accepted: number;
  duplicates: number;
  deadLettered: number;
  /** Passes that stopped on an unavailable API, a misconfiguration or a database error. */
  failures: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastDeliveryAt: string | null;
}

export interface OutboxRelay {
  /** The last measured lag (null until the first measurement). */
  readonly lag: OutboxLag | null;
  readonly stats: Readonly<OutboxRelayStats>;
  /** Measures the lag now (and keeps it as `lag`). */
  measureLag(): Promise<OutboxLag>;
  /** Starts a pass now instead of after the poll interval (e.g. right after a commit that enqueued). */
  wake(): void;
  /** Graceful: lets the batch in flight finish (delivered and removed, or left for later), then returns. */
  stop(): Promise<void>;
}

/**
 * The relay as a plain poller: passes of relayOutboxOnce, exponential backoff with full jitter while the
 * API is unavailable (never shorter than its Retry-After), lag measured and logged periodically.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const tables = outboxTables(options);
  const logger: RelayLogger = options.logger ?? jsonLineLogger({ service: 'audit-outbox-relay' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const lagIntervalMs = options.lagIntervalMs ?? 30_000;
  const lagWarnAfterMs = options.lagWarnAfterMs ?? 5 * 60_000;
  const memory: RelayMemory = { credentialsProven: false };
  const stats: OutboxRelayStats = {
    passes: 0,
    delivered: 0,
    accepted: 0,
    duplicates: 0,
    deadLettered: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastError: null,
    lastDeliveryAt: null,
  };
  let lag: OutboxLag | null = null;
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping || woken || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = null;
        resolve();
      }
      interrupt = done;
    });

  async function measureLag(): Promise<OutboxLag> {
    lag = await readOutboxLag(options.pool, options);
    return lag;
  }

  async function logLag() {
    const l = await measureLag();
    const level = l.oldestPendingAgeMs > lagWarnAfterMs ? 'warn' : 'info';
    logger[level]({ outbox: tables.label, ...l }, 'audit outbox lag');
  }

  function failed(error: string, delayMs: number, severe: boolean, extra: object = {}) {
    stats.failures += 1;
    stats.consecutiveFailures += 1;
    stats.lastError = error;
    const entry = {
      outbox: tables.label,
      error,
      attempt: stats.consecutiveFailures,
      retryInMs: delayMs,
      ...extra,
    };
    if (severe) logger.error(entry, 'audit outbox relay cannot deliver; will retry');
    else logger.warn(entry, 'audit API unavailable; backing off');
  }

  async function run() {
    let nextLagAt = 0;
    while (!stopping) {
      woken = false;
      let delay = pollIntervalMs;
      try {
        const r = await relayOutboxOnce({ ...options, logger, memory, shouldContinue: () => !stopping });
        stats.passes += 1;
        stats.delivered += r.delivered;
        stats.accepted += r.accepted;
        stats.duplicates += r.duplicates;
        stats.deadLettered += r.deadLettered;
        if (r.delivered > 0) stats.lastDeliveryAt = new Date().toISOString();
        options.onPass?.(r);
        if (r.failure) {
          delay = backoffDelayMs(stats.consecutiveFailures, r.failure.retryAfterMs, options);
          failed(r.failure.error, delay, r.failure.kind !== 'unavailable', { status: r.failure.status });
        } else {
          if (stats.consecutiveFailures > 0)
            logger.info(
              { outbox: tables.label, afterFailures: stats.consecutiveFailures },
              'audit outbox relay recovered',
            );
          stats.consecutiveFailures = 0;
          if (!r.drained) delay = 0;
        }
      } catch (err) {
        delay = backoffDelayMs(stats.consecutiveFailures, null, options);
        failed(err instanceof Error ? err.message : String(err), delay, true);
      }
      if (Date.now() >= nextLagAt) {
        nextLagAt = Date.now() + lagIntervalMs;
        await logLag().catch(() => {});
      }
      await sleep(delay);
    }
  }

  const running = run();
  return {
    get lag() {
      return lag;
    },
    stats,
    measureLag,
    wake() {
      woken = true;
      interrupt?.();
    },
    async stop() {
      stopping = true;
      interrupt?.();
      await running;
    },
  };
}
