import { createPool } from '../src/db/pool.js';
import type { Benchmark } from './lib/benchmark.js';
import { bulkLoad } from './lib/bulk-load.js';
import { note } from './lib/infra.js';
import { createKinesisSink, createStream, kinesisClient, kinesisEnv } from './lib/kinesis.js';
import { createPoster } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, percentile, printTable } from './lib/report.js';

const TENANT = 't_0';

/**
 * GET /v1/audit/metrics on a tenant holding 1,000,000 events (bulk-loaded with COPY, then folded by the
 * worker's rollup, which is timed too), with a paused Kinesis sink whose backlog is the whole workspace
 * (its lag is counted up to the cap on every call): p50/p95 tenant-wide and for one workspace.
 */
export const metrics: Benchmark = {
  name: 'metrics',
  summary: 'GET /v1/audit/metrics p50/p95 on a 1,000,000-event tenant',
  async run({ infra, quick, options }) {
    const events = Number(options.get('events') ?? (quick ? 20_000 : 1_000_000));
    const runs = Number(options.get('runs') ?? (quick ? 5 : 50));
    const [databaseUrl, temporalAddress, workDir, workflowBundle, endpoint] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
      infra.workflowBundle(),
      infra.kinesalite(),
    ]);
    const kinesis = kinesisClient(endpoint);
    const streamArn = await createStream(kinesis, `metrics-${Date.now()}`);
    kinesis.destroy();
    const deployment = await startDeployment({
      databaseUrl,
      temporalAddress,
      workDir,
      worker: { workflowBundle },
      env: kinesisEnv(endpoint),
    });
    const pool = createPool(databaseUrl, 3);
    try {
      const admin = await deployment.createKey({ tenantId: TENANT, role: 'tenant_admin' });
      await createKinesisSink(deployment.api.url, admin, { workspaceId: 'w_0', streamArn, paused: true });
      const loadStarted = performance.now();
      await bulkLoad(pool, 0, events, events, Date.now(), () => {}, 1);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const rollupStarted = performance.now();
      for (;;) {
        const { rows } = await pool.query<{ lag: number }>(
          `select coalesce((select seq from audit_events order by txid desc, seq desc limit 1), 0)
             - (select seq from audit_log_consumers where name = 'rollup') as lag`,
        );
        if (Number(rows[0]!.lag) <= 0) break;
        if (performance.now() - rollupStarted > 1_800_000) throw new Error('the rollup did not catch up');
        await new Promise((r) => setTimeout(r, 250));
      }
      const rollupSeconds = (performance.now() - rollupStarted) / 1000;
      note(
        `loaded ${fmt(events)} in ${fmt(loadSeconds)} s; rollup folded them in ${fmt(rollupSeconds, 1)} s`,
      );

      const client = createPoster(deployment.api.url, admin, 1);
      const rows: string[][] = [];
      for (const [label, query] of [
        ['tenant-wide', ''],
        ['workspace w_0 (with the paused sink)', '?workspaceId=w_0'],
      ] as const) {
        const sample: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          const res = await client.get(`/v1/audit/metrics${query}`);
          if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
          sample.push(performance.now() - t0);
          if (i === 0) {
            const body = JSON.parse(res.body) as { events: { total: number } };
            if (body.events.total < events) note(`${label}: events.total ${body.events.total} < ${events}`);
          }
        }
        rows.push([
          label,
          fmt(percentile(sample, 0.5), 1),
          fmt(percentile(sample, 0.95), 1),
          fmt(Math.max(...sample), 1),
        ]);
      }
      client.close();
      printTable(
        `GET /v1/audit/metrics on a ${fmt(events)}-event tenant (ms over HTTP, ${runs} runs; COPY load ${fmt(loadSeconds)} s, rollup catch-up ${fmt(rollupSeconds, 1)} s)`,
        ['scope', 'p50', 'p95', 'max'],
        rows,
      );
    } finally {
      await pool.end();
      await deployment.stop();
    }
  },
};
