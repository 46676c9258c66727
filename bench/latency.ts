import type { Benchmark } from './lib/benchmark.js';
import { wireEvent } from './lib/events.js';
import { note } from './lib/infra.js';
import { streamReader, waitCaughtUp } from './lib/kinesis.js';
import { openLoop } from './lib/load.js';
import { fmt, percentile, printTable } from './lib/report.js';
import { startSinkBench, TENANT, WORKSPACE } from './lib/sink-setup.js';

/**
 * End-to-end latency: from the moment POST /v1/audit/events answered 202 to the moment the record can
 * be read from the Kinesis stream (kinesalite, polled every 20 ms), at a steady event rate: 100 events/s
 * as single-event POSTs, 1,000 events/s as 100 POSTs/s of 10 events.
 */
export const latency: Benchmark = {
  name: 'latency',
  summary: 'POST answered -> record readable in kinesalite, p50/p95/p99 at 100 and 1,000 events/s',
  async run(ctx) {
    const seconds = Number(ctx.options.get('seconds') ?? (ctx.quick ? 3 : 30));
    const sb = await startSinkBench(ctx);
    try {
      await waitCaughtUp(sb.deployment.api.url, sb.admin, sb.sink.id, 60_000);
      const reader = await streamReader(sb.kinesis, sb.stream);
      await reader.read();
      const rows: string[][] = [];
      for (const [rate, perPost] of [
        [100, 1],
        [1000, 10],
      ] as const) {
        const answered = new Map<string, number>();
        // A record can be readable before its POST's answer reaches this process (the sink is woken at
        // commit, the answer is still on its way): it counts as latency 0 once the answer comes.
        const early = new Set<string>();
        const latencies: number[] = [];
        let polling = true;
        const poller = (async () => {
          while (polling || (answered.size > 0 && latencies.length < answered.size)) {
            for (const data of await reader.read()) {
              const id = (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id;
              const at = answered.get(id);
              if (at !== undefined) latencies.push(Math.max(0, performance.now() - at));
              else early.add(id);
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        let n = 0;
        const load = await openLoop(rate / perPost, seconds * 1000, async () => {
          const events = Array.from({ length: perPost }, () => ({
            ...wireEvent(TENANT, WORKSPACE),
            id: `lat_${rate}_${n++}`,
          }));
          const { ids } = await sb.ingest(
            Buffer.from(JSON.stringify(perPost === 1 ? events[0] : { events })),
          );
          const now = performance.now();
          for (const id of ids) {
            answered.set(id, now);
            if (early.delete(id)) latencies.push(0);
          }
          return ids.length;
        });
        if (load.errors > 0) note(`${load.errors} errors, first: ${load.firstError}`);
        const deadline = performance.now() + 60_000;
        while (latencies.length < answered.size && performance.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        polling = false;
        await Promise.race([poller, new Promise((r) => setTimeout(r, 1000))]);
        rows.push([
          fmt(rate),
          String(perPost),
          fmt(answered.size),
          fmt(answered.size - latencies.length),
          fmt(percentile(latencies, 0.5)),
          fmt(percentile(latencies, 0.95)),
          fmt(percentile(latencies, 0.99)),
          fmt(Math.max(...latencies)),
        ]);
      }
      printTable(
        `End-to-end latency, POST answered -> readable in kinesalite (ms, ${seconds} s at each rate)`,
        ['events/s', 'events/POST', 'events', 'missing', 'p50', 'p95', 'p99', 'max'],
        rows,
      );
    } finally {
      await sb.close();
    }
  },
};
