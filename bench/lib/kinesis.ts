import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** What the worker process needs to publish to kinesalite (the AWS SDK reads these itself). */
export function kinesisEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AUDIT_REGION: 'us-east-1',
  };
}

/** Configured as the Kinesis driver configures its clients (HTTP/1.1 keep-alive, 3 attempts). */
export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    maxAttempts: 3,
  });
}

export async function createStream(client: KinesisClient, name: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
  return d.StreamDescription!.StreamARN!;
}

/** Follows a one-shard stream from its start; read() returns the records that arrived since the last call. */
export async function streamReader(client: KinesisClient, name: string) {
  const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
  let iterator = (
    await client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: d.StreamDescription!.Shards![0]!.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
  ).ShardIterator;
  return {
    async read(): Promise<Uint8Array[]> {
      const out: Uint8Array[] = [];
      for (;;) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        iterator = page.NextShardIterator;
        for (const r of page.Records ?? []) out.push(r.Data!);
        if ((page.Records ?? []).length < 10_000) return out;
      }
    },
  };
}

/** POST /v1/audit/sinks for a Kinesis sink; answers the sink. */
export async function createKinesisSink(
  apiUrl: string,
  token: string,
  body: { workspaceId: string; streamArn: string; paused?: boolean; name?: string },
): Promise<{ id: string; workflowId: string }> {
  const res = await fetch(`${apiUrl}/v1/audit/sinks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: body.name ?? `bench ${body.workspaceId}`,
      type: 'kinesis',
      workspaceId: body.workspaceId,
      config: { streamArn: body.streamArn },
      paused: body.paused ?? false,
    }),
  });
  const sink = (await res.json()) as { id: string; workflowId: string };
  if (res.status !== 201) throw new Error(`creating a sink failed: ${res.status} ${JSON.stringify(sink)}`);
  return sink;
}

export async function sinkLag(apiUrl: string, token: string, sinkId: string): Promise<number> {
  const res = await fetch(`${apiUrl}/v1/audit/sinks/${sinkId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const sink = (await res.json()) as { lagEvents: number };
  if (res.status !== 200) throw new Error(`reading the sink failed: ${res.status} ${JSON.stringify(sink)}`);
  return sink.lagEvents;
}

/** Polls the sink until its lag is zero; answers the seconds it took (or throws after timeoutMs). */
export async function waitCaughtUp(apiUrl: string, token: string, sinkId: string, timeoutMs: number) {
  const started = performance.now();
  for (;;) {
    if ((await sinkLag(apiUrl, token, sinkId)) === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs)
      throw new Error(`the sink did not catch up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
