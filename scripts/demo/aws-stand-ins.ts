import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';

/** The credentials the stand-ins accept (s3rver checks them; kinesalite takes any). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

export interface AwsStandIns {
  kinesisEndpoint: string;
  s3Endpoint: string;
  /** What the platform's process needs so its Kinesis and S3 sinks reach the stand-ins. */
  env: Record<string, string>;
  kinesis: KinesisClient;
  s3: S3Client;
  close(): Promise<void>;
}

/**
 * Kinesalite (the Kinesis API, in memory) and s3rver (the S3 API, on disk under `s3Dir`) on free
 * loopback ports, and clients for them. The AWS SDK needs NodeHttpHandler to talk to kinesalite.
 */
export async function startAwsStandIns(s3Dir: string): Promise<AwsStandIns> {
  const kinesisServer: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0 });
  await new Promise<void>((resolve) => kinesisServer.listen(0, '127.0.0.1', resolve));
  const kinesisEndpoint = `http://127.0.0.1:${(kinesisServer.address() as AddressInfo).port}`;

  await mkdir(s3Dir, { recursive: true });
  const s3Server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir });
  const s3Endpoint = `http://127.0.0.1:${(await s3Server.run()).port}`;

  const common = { region: REGION, credentials: CREDENTIALS, requestHandler: new NodeHttpHandler() };
  return {
    kinesisEndpoint,
    s3Endpoint,
    env: {
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AUDIT_REGION: REGION,
    },
    kinesis: new KinesisClient({ ...common, endpoint: kinesisEndpoint }),
    s3: new S3Client({ ...common, endpoint: s3Endpoint, forcePathStyle: true }),
    async close() {
      await s3Server.close();
      await new Promise<void>((resolve) => kinesisServer.close(() => resolve()));
    },
  };
}

/** Creates a one-shard stream (or finds it) and answers its ARN once it is active. */
export async function ensureStream(client: KinesisClient, name: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })).catch((err: Error) => {
    if (err.name !== 'ResourceInUseException') throw err;
  });
  for (;;) {
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') return d.StreamDescription.StreamARN!;
    await new Promise((r) => setTimeout(r, 100));
  }
}
