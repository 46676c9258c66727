import { Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../db/pool.js';
import { sinkBacklogByType } from '../db/sinks.js';

async function invalidActionEvents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ total: number }>(
    'select coalesce(sum(count), 0)::bigint as total from audit_invalid_action_counts',
  );
  return rows[0]!.total;
}

/**
 * Gauges read from the database when Prometheus scrapes (platform-wide state, not this process's): the
 * delivery backlog per sink type and the invalid-name count. Registered by worker processes; with
 * several workers each reports the same value (aggregate with max, not sum).
 */
export function registerStateGauges(registry: Registry, db: Queryable): void {
  new Gauge({
    name: 'audit_delivery_backlog_events',
    help: 'Events waiting for enabled sinks, per sink type (each sink counted up to 100000).',
    labelNames: ['sink_type'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { type, events } of await sinkBacklogByType(db)) this.set({ sink_type: type }, events);
    },
  });
  new Gauge({
    name: 'audit_invalid_action_events',
    help: 'Stored events whose action breaks the naming convention, all tenants (as folded by the rollup).',
    registers: [registry],
    async collect() {
      this.set(await invalidActionEvents(db));
    },
  });
}
