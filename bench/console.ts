import { gzipSync } from 'node:zlib';
import { createPool } from '../src/db/pool.js';
import type { Benchmark } from './lib/benchmark.js';
import { bulkLoad } from './lib/bulk-load.js';
import { note } from './lib/infra.js';
import { createPoster } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, percentile, printTable } from './lib/report.js';

const TENANT = 't_0';
const WS = 'w_0';

/**
 * What each console page costs the server on its first render, with `--rows` events stored (default
 * 1,000,000): the HTML shell, the bundle's size, and the API reads each page makes before it shows
 * data (the console has no endpoint of its own), p50/p95 over HTTP with keep-alive.
 */
export const consolePages: Benchmark = {
  name: 'console',
  summary: 'console: shell and per-page API reads p50/p95 with 1M events stored, JS/CSS size gzipped',
  async run({ infra, quick, options }) {
    const rows = Number(options.get('rows') ?? (quick ? 20_000 : 1_000_000));
    const runs = Number(options.get('runs') ?? (quick ? 3 : 30));
    const [databaseUrl, temporalAddress, workDir] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
    ]);
    const pool = createPool(databaseUrl, 3);
    const deployment = await startDeployment({ databaseUrl, temporalAddress, workDir });
    try {
      const started = performance.now();
      await bulkLoad(pool, 0, rows, rows, Date.now(), () => {});
      await pool.query('analyze audit_events');
      note(`loaded ${fmt(rows)} events in ${fmt((performance.now() - started) / 1000, 0)} s`);
      const key = await deployment.createKey({ tenantId: TENANT, role: 'tenant_admin' });
      const client = createPoster(deployment.api.url, key, 1);
      const time = async (path: string) => {
        const sample: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          const res = await client.get(path);
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body.slice(0, 300)}`);
          sample.push(performance.now() - t0);
        }
        return sample;
      };

      // The reads each page makes before it shows its data (in parallel in the browser; summed here).
      const pages: Array<[string, string[]]> = [
        ['shell (every page)', ['/console/log']],
        ['sign-in check', ['/v1/auth/whoami']],
        ['Audit log', ['/v1/audit/actions/canonical', `/v1/audit/events?workspaceId=${WS}&limit=25`]],
        ['Audit stream', [`/v1/audit/sinks?workspaceId=${WS}`]],
        ['Sinks', [`/v1/audit/sinks?workspaceId=${WS}`]],
        ['Actions', ['/v1/audit/actions']],
        [
          'Health',
          [
            `/v1/audit/metrics?workspaceId=${WS}`,
            `/v1/audit/sinks?workspaceId=${WS}`,
            `/v1/audit/metrics/history?limit=2000&from=${new Date(Date.now() - 6 * 3_600_000).toISOString()}`,
          ],
        ],
      ];
      const table: string[][] = [];
      for (const [page, paths] of pages) {
        const samples: number[][] = [];
        for (const path of paths) samples.push(await time(path));
        const total = samples[0]!.map((_, i) => samples.reduce((sum, s) => sum + s[i]!, 0));
        table.push([
          page,
          String(paths.length),
          fmt(percentile(total, 0.5), 1),
          fmt(percentile(total, 0.95), 1),
        ]);
      }
      printTable(
        `Console first render, server side, with ${fmt(rows)} events stored (ms over HTTP, ${runs} runs; a page's reads summed)`,
        ['page', 'requests', 'p50', 'p95'],
        table,
      );

      const sizes: string[][] = [];
      for (const asset of ['app.js', 'app.css']) {
        const res = await fetch(`${deployment.api.url}/console/assets/${asset}`);
        const body = Buffer.from(await res.arrayBuffer());
        sizes.push([asset, fmt(body.length / 1024, 1), fmt(gzipSync(body).length / 1024, 1)]);
      }
      printTable('Console assets (the whole client)', ['file', 'KiB', 'KiB gzipped'], sizes);
      client.close();
    } finally {
      await pool.end();
      await deployment.stop();
    }
  },
};
