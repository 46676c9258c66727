import type { FieldError } from '../domain/errors.js';
import type { AuditEvent } from '../domain/event.js';
import type { SinkType } from '../domain/sink.js';
import type { Logger } from '../logger.js';

/**
 * The one interface every sink type implements. The delivery engine (activities/sink-delivery.ts)
 * reads a batch from the log, hands it to the driver, and records the outcome; the driver only
 * publishes. Drivers are created once per process and may cache clients between batches.
 */

/** A log position: the inserting transaction's id (xid8, as text) and the event's sequence. */
export interface LogPosition {
  txid: string;
  seq: number;
}

/** What a driver may use of an event beside its wire line (the line itself carries all of it). */
export type DeliveredEvent = Pick<AuditEvent, 'id' | 'tenantId' | 'workspaceId' | 'action' | 'occurredAt'>;

export interface DeliveryBatch {
  /**
   * Deterministic id of this batch: the same batch retried carries the same id (use it as an
   * idempotency key or object key so a retry overwrites rather than duplicates).
   */
  batchId: string;
  tenantId: string;
  workspaceId: string;
  sinkId: string;
  /** In ingest order. */
  events: DeliveredEvent[];
  /** The wire JSON of each event (toWireLine's bytes), same order. */
  lines: string[];
  /** Positions of the first and last event of the batch in the workspace's log. */
  first: LogPosition;
  last: LogPosition;
}

export interface DeliveryContext {
  /** Aborted when the delivery is cancelled (activity cancelled, sink test timed out). */
  signal: AbortSignal;
  logger: Logger;
  /** The deployment's region (AUDIT_REGION), for drivers that care. */
  region: string;
}

export interface DeliveryOutcome {
  /** Events the destination accepted (all of the batch on success). */
  delivered: number;
  /** Calls made to the destination (e.g. PutRecords requests), for history and benchmarks. */
  requests: number;
}

/** Limits the engine respects when it cuts batches for this type. */
export interface BatchLimits {
  maxEvents: number;
  /** Sum of the wire lines' UTF-8 bytes. */
  maxBytes: number;
}

export interface SinkDriver<C = unknown> {
  readonly type: SinkType;
  readonly batchLimits: BatchLimits;
  /** A short, secret-free description (logs, Temporal memo). */
  describe(config: C): string;
  /**
   * Non-fatal remarks about a valid config (e.g. the stream lives in another region than ours).
   * Called with the config as answers show it: secret fields are "***".
   */
  warnings(config: C, env: { region: string }): string[];
  /** Publishes the whole batch, or throws a SinkDeliveryError (anything else counts as retryable). */
  deliver(batch: DeliveryBatch, config: C, ctx: DeliveryContext): Promise<DeliveryOutcome>;
  /**
   * Checks of a schema-valid config that depend on the deployment (the SSRF guard and its
   * AUDIT_ALLOW_PRIVATE_SINK_HOSTS), run at create and update; each problem points into `config`
   * (pointer relative to it, e.g. "/url") and makes the request a 400.
   */
  checkConfig?(config: C): FieldError[];
  /**
   * At update, after the merge: fields the platform keeps for the sink (e.g. the previous signing
   * secret during a rotation) are derived from the config before the change.
   */
  prepareUpdate?(next: C, previous: C, now: Date): C;
}

/**
 * A failed delivery. `retryable`: a transient problem (throttling, network, 5xx); the engine retries
 * the batch with backoff. `config`: the sink cannot work as configured (not found, access denied,
 * invalid); retrying will not help until the config changes, so the sink goes `failing`.
 */
export class SinkDeliveryError extends Error {
  /** The destination asked to wait this long before the next attempt (HTTP Retry-After). */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    readonly kind: 'retryable' | 'config',
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.name = kind === 'config' ? 'SinkConfigError' : 'SinkDeliveryError';
  }
}

export function isConfigError(err: unknown): err is SinkDeliveryError {
  return err instanceof SinkDeliveryError && err.kind === 'config';
}

/** Error messages end up in delivery history and answers: keep them short and single-line. */
export function errorSummary(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 1000);
}
