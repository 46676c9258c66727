import { insertEvents } from '../src/db/events.js';
import { createPool } from '../src/db/pool.js';
import type { Benchmark } from './lib/benchmark.js';
import { copyFrom } from './lib/copy.js';
import { benchId, COPY_COLUMNS, copyLine, ingestBody, storedEvents } from './lib/events.js';
import { note } from './lib/infra.js';
import { closedLoop, createPoster, type LoopResult, openLoop } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, percentile, printTable } from './lib/report.js';

const TENANT = 't_bench';
const WORKSPACE = 'w_bench';

function rate(r: LoopResult): number {
  if (r.errors > 0) note(`${r.errors} errors, first: ${r.firstError}`);
  return (r.units / r.elapsedMs) * 1000;
}

/**
 * Events/s through POST /v1/audit/events (API in its own process, keep-alive HTTP) for each batch size
 * and concurrency, beside the same rows written by a bare pg client with the multi-row INSERT the API
 * uses and with COPY; then single-event latency at a steady request rate.
 */
export const ingest: Benchmark = {
  name: 'ingest',
  summary: 'POST /v1/audit/events throughput vs raw INSERT and COPY; single-event latency at 200 req/s',
  async run({ infra, quick }) {
    const batches = quick ? [1, 500] : [1, 100, 500, 1000];
    const concurrencies = quick ? [1, 4] : [1, 2, 4, 8];
    const cellMs = quick ? 1000 : 5000;
    const rawMs = quick ? 1000 : 3000;
    const [databaseUrl, temporalAddress, workDir] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
    ]);
    const deployment = await startDeployment({ databaseUrl, temporalAddress, workDir });
    const raw = createPool(databaseUrl, 8);
    try {
      const key = await deployment.createKey({ tenantId: TENANT, role: 'producer' });
      // A fresh keep-alive pool for each phase: a socket left idle through the raw phases can be closed
      // by the server (keepAliveTimeout) just as it is reused.
      let poster = createPoster(deployment.api.url, key, 8);
      const freshConnections = () => {
        poster.close();
        poster = createPoster(deployment.api.url, key, 8);
      };
      const postBatch = (body: Buffer) => async () => {
        const res = await poster.post('/v1/audit/events', body);
        if (res.status !== 202) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
        return (JSON.parse(res.body) as { accepted: number }).accepted;
      };
      await closedLoop(4, quick ? 500 : 2000, postBatch(ingestBody(TENANT, WORKSPACE, 100))); // warm-up

      const rows: string[][] = [];
      for (const batch of batches) {
        const bodies = Array.from({ length: 8 }, () => ingestBody(TENANT, WORKSPACE, batch));
        const template = storedEvents(TENANT, WORKSPACE, batch);
        const copyTails = template.map((e) => copyLine(e).slice(e.tenantId.length + e.id.length + 2));
        for (const concurrency of concurrencies) {
          let n = 0;
          freshConnections();
          const cpuBefore = await deployment.api.cpuSeconds();
          const api = await closedLoop(concurrency, cellMs, () => postBatch(bodies[n++ % bodies.length]!)());
          const apiCpuMsPer1k = (((await deployment.api.cpuSeconds()) - cpuBefore) * 1000 * 1000) / api.units;
          const insert = await closedLoop(concurrency, rawMs, async () => {
            const events = template.map((e) => ({ ...e, id: benchId() }));
            return (await insertEvents(raw, events, { kind: 'api_key', id: 'key_bench' })).length;
          });
          const copy = await closedLoop(concurrency, rawMs, async () => {
            const data = Buffer.from(copyTails.map((tail) => `${TENANT}\t${benchId()}\t${tail}`).join(''));
            const client = await raw.connect();
            try {
              return await copyFrom(client, 'audit_events', COPY_COLUMNS, data);
            } finally {
              client.release();
            }
          });
          const [a, i, c] = [rate(api), rate(insert), rate(copy)];
          rows.push([
            String(batch),
            String(concurrency),
            fmt(a),
            fmt(percentile(api.latenciesMs, 0.5), 1),
            fmt(percentile(api.latenciesMs, 0.99), 1),
            fmt(i),
            fmt(c),
            `${fmt((a / i) * 100)}%`,
            fmt(apiCpuMsPer1k, 0),
          ]);
          note(`batch ${batch} x${concurrency}: api ${fmt(a)}/s, insert ${fmt(i)}/s, copy ${fmt(c)}/s`);
        }
      }
      printTable(
        `Ingest throughput (events/s; API cells ${cellMs / 1000} s, raw cells ${rawMs / 1000} s)`,
        [
          'batch',
          'conc',
          'API ev/s',
          'API p50 ms',
          'API p99 ms',
          'raw INSERT ev/s',
          'raw COPY ev/s',
          'API/INSERT',
          'API CPU ms/1k ev',
        ],
        rows,
      );

      const rps = 200;
      const seconds = quick ? 3 : 30;
      const singles = Array.from({ length: 64 }, () => ingestBody(TENANT, WORKSPACE, 1));
      let m = 0;
      freshConnections();
      const steady = await openLoop(rps, seconds * 1000, () => postBatch(singles[m++ % singles.length]!)());
      printTable(
        `Single-event POST latency at a steady ${rps} req/s for ${seconds} s (from the due time)`,
        ['requests', 'errors', 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          [
            String(steady.operations),
            String(steady.errors),
            fmt((steady.operations / steady.elapsedMs) * 1000),
            fmt(percentile(steady.latenciesMs, 0.5), 1),
            fmt(percentile(steady.latenciesMs, 0.9), 1),
            fmt(percentile(steady.latenciesMs, 0.99), 1),
            fmt(Math.max(...steady.latenciesMs), 1),
          ],
        ],
      );
      poster.close();
    } finally {
      await raw.end();
      await deployment.stop();
    }
  },
};
