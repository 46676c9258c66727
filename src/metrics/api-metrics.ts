import { Counter, Histogram, type Registry } from 'prom-client';

/** What the API process reports: ingest outcomes and request latency. No tenant ids as labels. */
export interface ApiMetrics {
  ingested(result: { accepted: number; duplicates: number }): void;
  /** An ingest request answered with a problem; `reason` is its problem type slug (bounded set). */
  ingestRejected(reason: string): void;
  /** `route` is the matched route pattern (e.g. /v1/audit/sinks/:sinkId), never the raw path. */
  request(method: string, route: string, status: number, seconds: number): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createApiMetrics(registry: Registry): ApiMetrics {
  const accepted = new Counter({
    name: 'audit_ingest_events_accepted_total',
    help: 'Events newly stored by POST /v1/audit/events.',
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'audit_ingest_events_duplicate_total',
    help: 'Events whose id was already stored for the tenant (answered, not stored again).',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'audit_ingest_rejected_requests_total',
    help: 'Ingest requests refused, by reason (the problem type: validation-error, forbidden, …).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'audit_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status class.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return {
    ingested(result) {
      accepted.inc(result.accepted);
      duplicates.inc(result.duplicates);
    },
    ingestRejected(reason) {
      rejected.inc({ reason });
    },
    request(method, route, status, seconds) {
      latency.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
    },
  };
}
