import { runScaleOut } from '../test/helpers/scale-out.js';
import type { Benchmark } from './lib/benchmark.js';
import { note } from './lib/infra.js';
import { fmt, printTable } from './lib/report.js';

/**
 * The scale-out proof with its figures: 2 API and 2 worker processes on one PostgreSQL and one
 * Temporal server, load through both APIs, one worker SIGKILLed mid-run. The same scenario runs,
 * smaller, as test/scale/scale-out.test.ts.
 */
export const scaleOut: Benchmark = {
  name: 'scale-out',
  summary: '2 APIs + 2 workers, a worker SIGKILLed mid-run: delivery, order, duplicates',
  async run({ infra, quick, options }) {
    const tenants = Number(options.get('tenants') ?? (quick ? 2 : 4));
    const eventsPerTenant = Number(options.get('events') ?? (quick ? 500 : 10_000));
    const r = await runScaleOut({
      databaseUrl: await infra.database(),
      temporalAddress: await infra.temporalAddress(),
      workflowBundlePath: await infra.workflowBundle(),
      tenants,
      eventsPerTenant,
      batchSize: Number(options.get('batch') ?? 100),
      concurrency: Number(options.get('concurrency') ?? 8),
      log: note,
    });
    printTable(
      `Scale-out: ${tenants} tenants × ${fmt(eventsPerTenant)} events, 2 APIs, 2 workers, one SIGKILL`,
      ['figure', 'value'],
      [
        ['events accepted (both APIs)', fmt(r.ingested)],
        ['ingest time (s)', fmt(r.ingestSeconds, 1)],
        ['ingest rate (events/s)', fmt(r.ingested / r.ingestSeconds)],
        ['all readable in Kinesis after (s)', fmt(r.deliverySeconds, 1)],
        ['end-to-end rate (events/s)', fmt(r.ingested / r.deliverySeconds)],
        ['worker killed after (events accepted)', fmt(r.killedWorkerAfterEvents)],
        ['killed worker was publishing', r.killedBusyWorker ? 'yes' : 'no'],
        ['missing', fmt(r.missing)],
        ['duplicates (re-sent in-flight batches)', fmt(r.duplicates)],
        ['tenants out of order', fmt(r.outOfOrderTenants.length)],
        ['running workflows per sink', r.runningWorkflowsPerSink.join(', ')],
        ['schedules', r.schedules.map((s) => s.replace(/^[^:]+:/, '')).join(', ')],
      ],
    );
    if (r.missing > 0 || r.outOfOrderTenants.length > 0) throw new Error('the scale-out proof failed');
  },
};
