import type { EventFilters, ReadScope } from '../src/db/events.js';
import { listEvents } from '../src/db/events.js';
import { createPool, type Pool, type Queryable } from '../src/db/pool.js';
import { encodeCursor } from '../src/routes/events/cursor.js';
import type { Benchmark } from './lib/benchmark.js';
import { bulkLoad, SPAN_MS } from './lib/bulk-load.js';
import { ACTIONS } from './lib/events.js';
import { note } from './lib/infra.js';
import { createPoster } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, percentile, printTable } from './lib/report.js';

const TENANT = 't_0';
const DAY = 86_400_000;

interface QueryCase {
  label: string;
  params: Record<string, string>;
}

/** `endMs`: the newest loaded event's time; `spanMs`: how far back the loaded events go. */
function cases(endMs: number, spanMs: number): QueryCase[] {
  // Windows inside the loaded data, at a third and two thirds of its span back from its end.
  const day = (third: number, plusDays = 0) =>
    new Date(endMs - (spanMs * third) / 3 + plusDays * DAY).toISOString();
  return [
    { label: 'workspace (large)', params: { workspaceId: 'w_0' } },
    { label: 'workspace (small)', params: { workspaceId: 'w_15' } },
    { label: 'action, common', params: { workspaceId: 'w_0', action: ACTIONS[0]! } },
    { label: 'action, rare', params: { workspaceId: 'w_0', action: ACTIONS[190]! } },
    { label: 'action, common, small ws', params: { workspaceId: 'w_15', action: ACTIONS[0]! } },
    { label: 'action, rare, small ws', params: { workspaceId: 'w_15', action: ACTIONS[120]! } },
    { label: 'action prefix', params: { workspaceId: 'w_0', action: 'billing.*' } },
    { label: 'actor, frequent', params: { workspaceId: 'w_0', actorUserId: 'u_1' } },
    { label: 'actor, rare', params: { workspaceId: 'w_0', actorUserId: 'u_4000' } },
    { label: 'resource', params: { workspaceId: 'w_0', resourceType: 'project', resourceId: 'r_5' } },
    { label: 'time range (1 day)', params: { workspaceId: 'w_0', from: day(1, -1), to: day(1) } },
    {
      label: 'prefix + time range',
      params: { workspaceId: 'w_0', action: 'discovery.*', from: day(1, -1), to: day(1) },
    },
    {
      label: 'rare action + 1/3 of span',
      params: { workspaceId: 'w_0', action: ACTIONS[190]!, from: day(2), to: day(1) },
    },
  ];
}

/** The same query the API runs for these parameters, for EXPLAIN and for finding a deep position. */
function toListQuery(params: Record<string, string>) {
  const filters: EventFilters = {
    actorUserId: params.actorUserId,
    resourceType: params.resourceType,
    resourceId: params.resourceId,
    from: params.from ? new Date(params.from) : undefined,
    to: params.to ? new Date(params.to) : undefined,
  };
  if (params.action?.endsWith('.*')) filters.actionPrefix = params.action.slice(0, -1);
  else filters.action = params.action;
  const scope: ReadScope = { kind: 'workspace', workspaceId: params.workspaceId! };
  return { tenantId: TENANT, scope, filters };
}

/** EXPLAIN ANALYZE of the statement listEvents sends: execution time and the indexes it used. */
async function explain(pool: Pool, q: Parameters<typeof listEvents>[1]) {
  let captured: { text: string; values: unknown[] } | undefined;
  const capture = {
    query: async (text: string, values: unknown[]) => {
      captured = { text, values };
      return { rows: [] };
    },
  } as unknown as Queryable;
  await listEvents(capture, q);
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, buffers) ${captured!.text}`,
    captured!.values,
  );
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  const indexes = [...plan.matchAll(/(?:Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)/g)].map((m) =>
    m[1]!.replace('audit_events_', ''),
  );
  const ms = Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? Number.NaN);
  return { ms, indexes: [...new Set(indexes)].join(' + ') || 'seq scan', plan };
}

/**
 * GET /v1/audit/events latency (API process, keep-alive) with the common filters on a table bulk-loaded
 * with COPY to each size in turn (`--rows=1000000,10000000`): the first page and a deep page (the page
 * after the 10,000th match, through a cursor), p50/p95 over repeated runs, with each plan's indexes.
 */
export const queries: Benchmark = {
  name: 'queries',
  summary: 'GET /v1/audit/events first/deep page p50/p95 with common filters on 1M and 10M events',
  async run({ infra, quick, options }) {
    const sizes = (options.get('rows') ?? (quick ? '20000' : '1000000,10000000')).split(',').map(Number);
    const runs = Number(options.get('runs') ?? (quick ? 3 : 30));
    const depth = quick ? 200 : 10_000;
    const verbose = options.has('plans');
    const [databaseUrl, temporalAddress, workDir] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
    ]);
    const pool = createPool(databaseUrl, 3);
    const endMs = Date.now();
    const total = Math.max(...sizes);
    let loaded = 0;
    const loadRows: string[][] = [];
    const deployment = await startDeployment({ databaseUrl, temporalAddress, workDir });
    try {
      const key = await deployment.createKey({ tenantId: TENANT, role: 'auditor' });
      const client = createPoster(deployment.api.url, key, 1);
      for (const size of sizes) {
        const started = performance.now();
        let lastNote = started;
        await bulkLoad(pool, loaded, size - loaded, total, endMs, (done) => {
          if (performance.now() - lastNote > 15_000) {
            lastNote = performance.now();
            note(`loaded ${fmt(loaded + done)} of ${fmt(size)}`);
          }
        });
        await pool.query('analyze audit_events');
        const seconds = (performance.now() - started) / 1000;
        const { rows: sz } = await pool.query<{ bytes: number; tenant: number }>(
          `select pg_total_relation_size('audit_events')::bigint as bytes,
                  (select count(*) from audit_events where tenant_id = $1::text)::bigint as tenant`,
          [TENANT],
        );
        loadRows.push([
          fmt(size),
          fmt(size - loaded),
          fmt(seconds, 0),
          fmt((size - loaded) / seconds),
          fmt(sz[0]!.bytes / 2 ** 30, 2),
          fmt(sz[0]!.tenant),
        ]);
        loaded = size;

        const rows: string[][] = [];
        // Rows are placed in time by their index among all `total`: the newest loaded row is this old.
        const dataEndMs = endMs - SPAN_MS * (1 - size / total);
        for (const c of cases(dataEndMs, (SPAN_MS * size) / total)) {
          const q = toListQuery(c.params);
          const deepRows = await listEvents(pool, { ...q, limit: depth + 1 });
          const position = deepRows[Math.min(depth, Math.floor(deepRows.length / 2))];
          const first = `/v1/audit/events?${new URLSearchParams(c.params)}`;
          const deep = position
            ? `${first}&cursor=${encodeCursor({ occurredAt: position.occurredAt, id: position.id })}`
            : undefined;
          const time = async (path: string) => {
            const sample: number[] = [];
            for (let i = 0; i < runs; i++) {
              const t0 = performance.now();
              const res = await client.get(path);
              if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
              sample.push(performance.now() - t0);
            }
            return sample;
          };
          const firstSample = await time(first);
          const deepSample = deep ? await time(deep) : [];
          const after = position ? { occurredAt: position.occurredAt, id: position.id } : undefined;
          const [planFirst, planDeep] = await Promise.all([
            explain(pool, { ...q, limit: 51 }),
            after ? explain(pool, { ...q, after, limit: 51 }) : undefined,
          ]);
          if (verbose) process.stdout.write(`\n${c.label} (deep):\n${planDeep?.plan ?? planFirst.plan}\n`);
          rows.push([
            c.label,
            fmt(percentile(firstSample, 0.5), 1),
            fmt(percentile(firstSample, 0.95), 1),
            fmt(percentile(deepSample, 0.5), 1),
            fmt(percentile(deepSample, 0.95), 1),
            fmt(planFirst.ms, 1),
            fmt(planDeep?.ms ?? Number.NaN, 1),
            planFirst.indexes,
          ]);
        }
        printTable(
          `Query latency on ${fmt(size)} events (ms over HTTP, ${runs} runs each; deep = after match ${fmt(depth)}; SQL = EXPLAIN ANALYZE execution time)`,
          [
            'filter (tenant t_0)',
            'first p50',
            'first p95',
            'deep p50',
            'deep p95',
            'SQL first',
            'SQL deep',
            'index (first page)',
          ],
          rows,
        );
      }
      printTable(
        'Bulk load with COPY (indexes kept up to date, two connections)',
        ['table rows', 'rows loaded', 'seconds', 'rows/s', 'table + indexes GiB', 'tenant t_0 rows'],
        loadRows,
      );
      client.close();
    } finally {
      await pool.end();
      await deployment.stop();
    }
  },
};
