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
  events: AuditEvent[];
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
}

/**
 * A failed delivery. `retryable`: a transient problem (throttling, network, 5xx); the engine retries
 * the batch with backoff. `config`: the sink cannot work as configured (not found, access denied,
 * invalid); retrying will not help until the config changes, so the sink goes `failing`.
 */
export class SinkDeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: 'retryable' | 'config',
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
