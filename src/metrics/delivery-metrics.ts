import { Counter, Histogram, type Registry } from 'prom-client';

/** What the delivery engine reports per batch (worker process). Labels: the sink type only. */
export interface DeliveryMetrics {
  /** A batch was published and its cursor committed; each delivered event's received_at (epoch ms). */
  delivered(sinkType: string, receivedAtMs: number[], atMs: number): void;
  /** A delivery attempt failed; `kind` says whether it is retried or waits for a config change. */
  failed(sinkType: string, kind: 'retryable' | 'config'): void;
}

/** End-to-end latency buckets, in seconds: sub-second delivery up to an hour of backlog. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const batches = new Counter({
    name: 'audit_delivery_batches_total',
    help: 'Batches published to sinks (cursor committed).',
    labelNames: ['sink_type'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'audit_delivery_events_total',
    help: 'Events published to sinks.',
    labelNames: ['sink_type'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'audit_delivery_failures_total',
    help: 'Failed delivery attempts (kind: retryable, or config = waits for a PATCH).',
    labelNames: ['sink_type', 'kind'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'audit_delivery_latency_seconds',
    help: 'From receipt by the platform (received_at) to delivery to the sink, per event.',
    labelNames: ['sink_type'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return {
    delivered(sinkType, receivedAtMs, atMs) {
      batches.inc({ sink_type: sinkType });
      events.inc({ sink_type: sinkType }, receivedAtMs.length);
      const observe = latency.labels({ sink_type: sinkType });
      for (const r of receivedAtMs) observe.observe(Math.max(0, (atMs - r) / 1000));
    },
    failed(sinkType, kind) {
      failures.inc({ sink_type: sinkType, kind });
    },
  };
}
