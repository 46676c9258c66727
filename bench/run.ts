/**
 * `npm run bench -- <name> [--quick] [--dist] [--cpu-prof=<dir>] [--option=value…]`: starts what the benchmark needs (PostgreSQL —
 * embedded unless BENCH_DATABASE_URL or TEST_DATABASE_URL names a server —, a Temporal dev server,
 * kinesalite), runs it, prints its tables (Markdown, on stdout) and stops everything it started.
 * `all` runs every benchmark in turn.
 */
import { consolePages } from './console.js';
import { delivery } from './delivery.js';
import { fuzz } from './fuzz.js';
import { ingest } from './ingest.js';
import { inventory } from './inventory.js';
import { latency } from './latency.js';
import type { Benchmark } from './lib/benchmark.js';
import { Infra, note } from './lib/infra.js';
import { stopAllProcesses } from './lib/processes.js';
import { machineConditions } from './lib/report.js';
import { memory } from './memory.js';
import { metrics } from './metrics.js';
import { queries } from './queries.js';
import { scaleOut } from './scale-out.js';
import { temporalCost } from './temporal-cost.js';

const BENCHMARKS: Benchmark[] = [
  ingest,
  inventory,
  queries,
  memory,
  delivery,
  latency,
  temporalCost,
  metrics,
  scaleOut,
  fuzz,
  consolePages,
];

function usage(): string {
  const list = BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.summary}`).join('\n');
  return `usage: npm run bench -- <name|all> [--quick] [--option=value]\n\n${list}\n`;
}

async function main() {
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith('--'));
  const quick = args.includes('--quick');
  const options = new Map(
    args
      .filter((a) => a.startsWith('--') && a.includes('='))
      .map((a) => a.slice(2).split('=', 2) as [string, string]),
  );
  // --dist: run the platform from the compiled build (npm run build) instead of through tsx.
  if (args.includes('--dist')) process.env.BENCH_ENTRY = 'dist';
  const profileDir = options.get('cpu-prof');
  if (profileDir) process.env.BENCH_CPU_PROF_DIR = profileDir;
  const selected = name === 'all' ? BENCHMARKS : BENCHMARKS.filter((b) => b.name === name);
  if (selected.length === 0) {
    process.stderr.write(usage());
    process.exit(2);
  }
  const infra = new Infra();
  const stop = () => {
    note('interrupted: stopping what the benchmark started');
    void stopAllProcesses()
      .then(() => infra.close())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let failed = false;
  try {
    for (const benchmark of selected) {
      const started = Date.now();
      process.stdout.write(`\n## ${benchmark.name}${quick ? ' (--quick)' : ''}\n\n${machineConditions()}\n`);
      try {
        await benchmark.run({ infra, quick, options });
      } catch (err) {
        failed = true;
        note(`${benchmark.name} failed: ${(err as Error).stack ?? err}`);
      }
      note(`${benchmark.name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await stopAllProcesses();
    await infra.close();
  }
  process.exit(failed ? 1 : 0);
}

await main();
