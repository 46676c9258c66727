import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { BenchContext } from './benchmark.js';
import { ingestBody } from './events.js';
import { createKinesisSink, createStream, kinesisClient, kinesisEnv } from './kinesis.js';
import { createPoster } from './load.js';
import { type Deployment, startDeployment } from './processes.js';

export const TENANT = 't_bench';
export const WORKSPACE = 'w_bench';

export interface SinkBench {
  deployment: Deployment;
  databaseUrl: string;
  temporalAddress: string;
  admin: string;
  producer: string;
  kinesis: KinesisClient;
  kinesisEndpoint: string;
  stream: string;
  sink: { id: string; workflowId: string };
  /** POSTs to the API as the producer; answers the parsed 202 body. */
  ingest(body: Buffer): Promise<{ accepted: number; ids: string[] }>;
  /** PATCHes the sink as the admin. */
  /** PATCH /v1/audit/sinks/:id, of the bench's Kinesis sink unless another sink id is given. */
  patchSink(changes: Record<string, unknown>, sinkId?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An API and a worker process (as deployed) publishing to kinesalite, with one Kinesis sink on a
 * fresh one-shard stream for workspace w_bench, an admin key and a producer key.
 */
export async function startSinkBench(ctx: BenchContext, opts: { paused?: boolean } = {}): Promise<SinkBench> {
  const { infra } = ctx;
  const [databaseUrl, temporalAddress, workDir, workflowBundle, kinesisEndpoint] = await Promise.all([
    infra.database(),
    infra.temporalAddress(),
    infra.workDir,
    infra.workflowBundle(),
    infra.kinesalite(),
  ]);
  const kinesis = kinesisClient(kinesisEndpoint);
  const stream = `bench-${Date.now()}`;
  const streamArn = await createStream(kinesis, stream);
  const deployment = await startDeployment({
    databaseUrl,
    temporalAddress,
    workDir,
    worker: { workflowBundle },
    env: { ...kinesisEnv(kinesisEndpoint), AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' },
  });
  try {
    const admin = await deployment.createKey({ tenantId: TENANT, role: 'admin' });
    const producer = await deployment.createKey({ tenantId: TENANT, role: 'producer' });
    const sink = await createKinesisSink(deployment.api.url, admin, {
      workspaceId: WORKSPACE,
      streamArn,
      paused: opts.paused,
    });
    const poster = createPoster(deployment.api.url, producer, 16);
    const adminPoster = createPoster(deployment.api.url, admin, 2);
    return {
      deployment,
      databaseUrl,
      temporalAddress,
      admin,
      producer,
      kinesis,
      kinesisEndpoint,
      stream,
      sink,
      async ingest(body) {
        const res = await poster.post('/v1/audit/events', body);
        if (res.status !== 202) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
        return JSON.parse(res.body) as { accepted: number; ids: string[] };
      },
      async patchSink(changes, sinkId = sink.id) {
        const res = await fetch(`${deployment.api.url}/v1/audit/sinks/${sinkId}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify(changes),
        });
        if (res.status !== 200) throw new Error(`PATCH sink: ${res.status} ${await res.text()}`);
      },
      async close() {
        poster.close();
        adminPoster.close();
        kinesis.destroy();
        await deployment.stop();
      },
    };
  } catch (err) {
    kinesis.destroy();
    await deployment.stop();
    throw err;
  }
}

/** Ingests `count` events for w_bench in batches of 1,000, four requests at a time. */
export async function ingestBacklog(sb: SinkBench, count: number): Promise<void> {
  const full = ingestBody(TENANT, WORKSPACE, 1000);
  const posts = Math.ceil(count / 1000);
  let next = 0;
  const worker = async () => {
    while (next < posts) {
      const size = Math.min(1000, count - next++ * 1000);
      await sb.ingest(size === 1000 ? full : ingestBody(TENANT, WORKSPACE, size));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}
