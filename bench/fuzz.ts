import {
  describeRequest,
  type FuzzContext,
  loadOperations,
  sampleRequests,
  send,
  sendFuzzRequest,
} from '../test/helpers/fuzz.js';
import type { Benchmark } from './lib/benchmark.js';
import { note } from './lib/infra.js';
import { startDeployment } from './lib/processes.js';
import { fmt, percentile, printTable } from './lib/report.js';

const TENANT = 't_fuzz';

/**
 * The bad-input fuzzer of test/http/fuzz.security.test.ts, longer: requests over every operation of
 * /openapi.json against the API process on loopback, a few at a time, while /healthz is polled every
 * 20 ms from outside (its latency is the API's event-loop stall). Prints requests sent, 2xx/4xx/5xx,
 * contract violations (5xx, non-problem+json errors, PostgreSQL data exceptions) and the stall p50/p99/max.
 * Options: --requests=N (default 5000; --quick 60), --seed=N, --concurrency=N (default 4).
 */
export const fuzz: Benchmark = {
  name: 'fuzz',
  summary: 'bad-input fuzz over /openapi.json: 4xx/5xx counts and the event-loop stall under it',
  async run({ infra, quick, options }) {
    const count = Number(options.get('requests') ?? (quick ? 60 : 5000));
    const seed = Number(options.get('seed') ?? 1414);
    const concurrency = Number(options.get('concurrency') ?? 4);
    const [databaseUrl, temporalAddress, workDir] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
    ]);
    const deployment = await startDeployment({ databaseUrl, temporalAddress, workDir });
    try {
      const url = deployment.api.url;
      const tokens: Record<string, string> = { platform: deployment.adminToken };
      for (const role of ['producer', 'viewer', 'connector_builder', 'admin', 'tenant_admin'] as const) {
        tokens[role] = await deployment.createKey({ tenantId: TENANT, role });
      }
      const sinkRes = await fetch(`${url}/v1/audit/sinks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.tenant_admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'fuzz console', type: 'console', workspaceId: 'w_1', config: {} }),
      });
      const sink = (await sinkRes.json()) as { id: string };
      if (sinkRes.status !== 201) throw new Error(`creating the sink failed: ${sinkRes.status}`);
      const ctx: FuzzContext = {
        tokens,
        knownIds: {
          sinkId: [sink.id],
          action: ['discovery.run_started'],
          tenantId: [TENANT],
          workspaceId: ['w_1'],
        },
      };
      const ops = await loadOperations(url);
      const sampleStarted = performance.now();
      const requests = sampleRequests(ops, ctx, count, seed);
      note(
        `generated ${fmt(requests.length)} requests in ${fmt((performance.now() - sampleStarted) / 1000, 1)} s`,
      );

      const stalls: number[] = [];
      const healthFailures: string[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const t0 = performance.now();
          try {
            const res = await send(`${url}/healthz`, 'GET', {});
            if (res.status !== 200) healthFailures.push(`/healthz answered ${res.status}`);
          } catch (err) {
            healthFailures.push(`/healthz failed: ${(err as Error).message}`);
          }
          stalls.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const counts = { sent: 0, s2xx: 0, s4xx: 0, s5xx: 0, violations: 0, dataExceptions: 0 };
      const examples: string[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests.length) {
            const req = requests[next++]!;
            const outcome = await sendFuzzRequest(url, ctx, req);
            counts.sent++;
            if (outcome.status >= 500) counts.s5xx++;
            else if (outcome.status >= 400) counts.s4xx++;
            else counts.s2xx++;
            if (outcome.dataException) counts.dataExceptions++;
            if (outcome.violation || outcome.dataException) {
              counts.violations++;
              if (examples.length < 10)
                examples.push(`${describeRequest(req)} → ${outcome.violation ?? 'class 22'}`);
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      polling = false;
      await poller;
      for (const e of examples) note(`violation: ${e}`);
      for (const e of healthFailures.slice(0, 5)) note(e);
      printTable(
        `Bad-input fuzz: ${fmt(counts.sent)} requests over ${ops.filter((o) => o.path.startsWith('/v1/')).length} operations (seed ${seed}, ${concurrency} at a time, ${fmt(seconds, 1)} s)`,
        ['sent', '2xx', '4xx', '5xx', 'contract violations', 'class-22 answers'],
        [
          [
            fmt(counts.sent),
            fmt(counts.s2xx),
            fmt(counts.s4xx),
            fmt(counts.s5xx),
            fmt(counts.violations),
            fmt(counts.dataExceptions),
          ],
        ],
      );
      printTable(
        `Event-loop stall of the API under the fuzz (/healthz latency from outside on a new connection each, ms, ${fmt(stalls.length)} polls)`,
        ['p50', 'p99', 'max'],
        [[fmt(percentile(stalls, 0.5), 1), fmt(percentile(stalls, 0.99), 1), fmt(Math.max(...stalls), 1)]],
      );
      if (counts.violations > 0 || healthFailures.length > 0) {
        throw new Error(
          `${counts.violations} contract violations, ${healthFailures.length} failed /healthz polls`,
        );
      }
    } finally {
      await deployment.stop();
    }
  },
};
