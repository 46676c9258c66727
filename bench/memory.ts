import type { Benchmark } from './lib/benchmark.js';
import { ingestBody } from './lib/events.js';
import { note } from './lib/infra.js';
import { createKinesisSink, createStream, kinesisClient, kinesisEnv, waitCaughtUp } from './lib/kinesis.js';
import { closedLoop, createPoster, openLoop } from './lib/load.js';
import { startDeployment } from './lib/processes.js';
import { fmt, printTable } from './lib/report.js';

const TENANT = 't_bench';
const WORKSPACE = 'w_bench';

/**
 * Peak resident memory (VmHWM) of the API process and the worker process while the API takes batches
 * (500 events, 4 at a time) and single events (100 req/s) and the worker folds the inventory and
 * delivers everything to a Kinesis sink on kinesalite; then until the sink has caught up.
 */
export const memory: Benchmark = {
  name: 'memory',
  summary: 'peak RSS of the API and worker processes under ingest + delivery load',
  async run({ infra, quick }) {
    const seconds = quick ? 3 : 60;
    const [databaseUrl, temporalAddress, workDir, workflowBundle, endpoint] = await Promise.all([
      infra.database(),
      infra.temporalAddress(),
      infra.workDir,
      infra.workflowBundle(),
      infra.kinesalite(),
    ]);
    const kinesis = kinesisClient(endpoint);
    const streamArn = await createStream(kinesis, `memory-${Date.now()}`);
    const deployment = await startDeployment({
      databaseUrl,
      temporalAddress,
      workDir,
      worker: { workflowBundle },
      env: kinesisEnv(endpoint),
    });
    try {
      const worker = deployment.worker!;
      const admin = await deployment.createKey({ tenantId: TENANT, role: 'admin' });
      const producer = await deployment.createKey({ tenantId: TENANT, role: 'producer' });
      const sink = await createKinesisSink(deployment.api.url, admin, { workspaceId: WORKSPACE, streamArn });
      const idle = { api: await deployment.api.memory(), worker: await worker.memory() };

      const poster = createPoster(deployment.api.url, producer, 8);
      const post = (body: Buffer) => async () => {
        const res = await poster.post('/v1/audit/events', body);
        if (res.status !== 202) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
        return (JSON.parse(res.body) as { accepted: number }).accepted;
      };
      const batches = Array.from({ length: 8 }, () => ingestBody(TENANT, WORKSPACE, 500));
      const single = ingestBody(TENANT, WORKSPACE, 1);
      let n = 0;
      const [bulk, singles] = await Promise.all([
        closedLoop(4, seconds * 1000, () => post(batches[n++ % batches.length]!)()),
        openLoop(100, seconds * 1000, post(single)),
      ]);
      for (const r of [bulk, singles]) if (r.errors > 0) note(`${r.errors} errors, first: ${r.firstError}`);
      const ingested = bulk.units + singles.units;
      const catchUp = await waitCaughtUp(deployment.api.url, admin, sink.id, 600_000);
      const after = { api: await deployment.api.memory(), worker: await worker.memory() };
      poster.close();
      printTable(
        `Resident memory (MiB) under ${seconds} s of ingest (${fmt(ingested)} events, all delivered to one Kinesis sink; caught up ${fmt(catchUp, 1)} s after the load)`,
        ['process', 'idle RSS', 'peak RSS (VmHWM)', 'RSS after'],
        [
          ['API', fmt(idle.api.rssMiB), fmt(after.api.peakMiB), fmt(after.api.rssMiB)],
          ['worker', fmt(idle.worker.rssMiB), fmt(after.worker.peakMiB), fmt(after.worker.rssMiB)],
        ],
      );
    } finally {
      kinesis.destroy();
      await deployment.stop();
    }
  },
};
