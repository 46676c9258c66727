import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process (built in runtime/platform.ts and passed down), with Node's process metrics. */
export function createPrometheusRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
