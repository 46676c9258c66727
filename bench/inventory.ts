import { createPool } from '../src/db/pool.js';
import type { Benchmark } from './lib/benchmark.js';
import { ingestBody } from './lib/events.js';
import { note } from './lib/infra.js';
import { closedLoop, createPoster } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, printTable } from './lib/report.js';

const TENANT = 't_bench';
const WORKSPACE = 'w_bench';

/**
 * Ingest throughput with the worker's log rollup (which feeds the action inventory) running, and with it
 * switched off (AUDIT_ROLLUP_ENABLED=false), each on a fresh database with an API and a worker process.
 * Rounds alternate so drift in the machine's load hits both modes alike. While the rollup runs, its lag
 * (events ingested but not yet folded) is sampled every second, and its catch-up time after the load.
 */
export const inventory: Benchmark = {
  name: 'inventory',
  summary: 'ingest throughput with the inventory rollup on vs bypassed (AUDIT_ROLLUP_ENABLED=false)',
  async run({ infra, quick }) {
    const rounds = quick ? 1 : 2;
    const durationMs = quick ? 2000 : 15_000;
    const batch = 500;
    const concurrency = 4;
    const [temporalAddress, workDir, workflowBundle] = await Promise.all([
      infra.temporalAddress(),
      infra.workDir,
      infra.workflowBundle(),
    ]);
    const rows: string[][] = [];
    const totals = { on: [] as number[], off: [] as number[] };
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ['on', 'off'] as const) {
        const databaseUrl = await infra.database();
        const deployment = await startDeployment({
          databaseUrl,
          temporalAddress,
          workDir,
          worker: { workflowBundle },
          env: { AUDIT_ROLLUP_ENABLED: mode === 'on' ? 'true' : 'false' },
        });
        const pool = createPool(databaseUrl, 1);
        try {
          const key = await deployment.createKey({ tenantId: TENANT, role: 'producer' });
          const poster = createPoster(deployment.api.url, key, concurrency);
          const bodies = Array.from({ length: 8 }, () => ingestBody(TENANT, WORKSPACE, batch));
          let n = 0;
          const post = async () => {
            const res = await poster.post('/v1/audit/events', bodies[n++ % bodies.length]!);
            if (res.status !== 202) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
            return (JSON.parse(res.body) as { accepted: number }).accepted;
          };
          await closedLoop(concurrency, quick ? 500 : 2000, post); // warm-up
          let maxLag = 0;
          const lag = async () => {
            const { rows: r } = await pool.query<{ lag: number }>(
              `select coalesce((select seq from audit_events order by txid desc, seq desc limit 1), 0)
                 - (select seq from audit_log_consumers where name = 'rollup') as lag`,
            );
            return Number(r[0]?.lag ?? 0);
          };
          const sampler = setInterval(() => {
            if (mode === 'on') void lag().then((l) => (maxLag = Math.max(maxLag, l)));
          }, 1000);
          const result = await closedLoop(concurrency, durationMs, post);
          clearInterval(sampler);
          if (result.errors > 0) note(`${result.errors} errors, first: ${result.firstError}`);
          const perSecond = (result.units / result.elapsedMs) * 1000;
          totals[mode].push(perSecond);
          let catchUp = '-';
          if (mode === 'on') {
            const started = performance.now();
            while ((await lag()) > 0 && performance.now() - started < 120_000)
              await new Promise((r) => setTimeout(r, 100));
            catchUp = fmt((performance.now() - started) / 1000, 1);
          }
          rows.push([
            String(round),
            mode === 'on' ? 'rollup on' : 'rollup off',
            fmt(perSecond),
            mode === 'on' ? fmt(maxLag) : '-',
            catchUp,
          ]);
          note(`round ${round} rollup ${mode}: ${fmt(perSecond)} events/s`);
          poster.close();
        } finally {
          await pool.end();
          await deployment.stop();
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [on, off] = [mean(totals.on), mean(totals.off)];
    rows.push(['mean', `on/off = ${fmt((on / off) * 100)}%`, `${fmt(on)} / ${fmt(off)}`, '', '']);
    printTable(
      `Ingest with and without the inventory rollup (batch ${batch}, concurrency ${concurrency}, ${durationMs / 1000} s a run; API + worker processes)`,
      ['round', 'mode', 'events/s', 'max rollup lag (events)', 'catch-up after load (s)'],
      rows,
    );
  },
};
