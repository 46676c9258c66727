import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';

/** Kinesalite in this process on a free port: a real Kinesis API, in memory. */
export async function startKinesalite(): Promise<{ endpoint: string; port: number; close(): Promise<void> }> {
  const server: Server = (kinesalite as any)({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The environment the AWS SDK reads (it looks at process.env itself, not at our config). */
export function useKinesisEndpoint(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL_KINESIS = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
}

export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
  });
}

export async function createStream(client: KinesisClient, name: string, shards = 1): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
  return d.StreamDescription!.StreamARN!;
}

export interface StreamRecord {
  data: string;
  partitionKey: string;
  shardId: string;
}

/** Every record of the stream, shard by shard, in stream order. */
export async function readStream(client: KinesisClient, name: string): Promise<StreamRecord[]> {
  const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
  const out: StreamRecord[] = [];
  for (const shard of d.StreamDescription!.Shards ?? []) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: name,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
      for (const r of page.Records ?? []) {
        out.push({
          data: Buffer.from(r.Data!).toString('utf8'),
          partitionKey: r.PartitionKey!,
          shardId: shard.ShardId!,
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

export { waitFor } from '../helpers/wait.js';

export interface KinesisProxy {
  endpoint: string;
  /** PutRecords requests seen. */
  putRecordsCalls: number;
  /** Records answered as ProvisionedThroughputExceededException (never forwarded). */
  failedRecords: number;
  /** Decides, per record (its data) and per time it is seen, whether to fail it. */
  failRecord: (data: string, seenBefore: number) => boolean;
  /** The access key id that signed each PutRecords call. */
  signedBy: string[];
  /** Awaited after kinesalite stored a PutRecords call and before the answer goes back. */
  beforeAnswer: () => Promise<void>;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of kinesalite that counts PutRecords calls and can fail chosen records
 * the way Kinesis does: the call succeeds, the record's entry carries an ErrorCode, and the record is
 * not written.
 */
export async function startKinesisProxy(targetPort: number): Promise<KinesisProxy> {
  const seen = new Map<string, number>();
  const proxy: KinesisProxy = {
    endpoint: '',
    putRecordsCalls: 0,
    failedRecords: 0,
    failRecord: () => false,
    signedBy: [],
    beforeAnswer: async () => {},
    close: async () => {},
  };
  const forward = (method: string, headers: Record<string, any>, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, any>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: targetPort,
          method,
          path: '/',
          headers: { ...headers, 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        const headers = { ...req.headers };
        delete headers['content-length'];
        const target = String(req.headers['x-amz-target'] ?? '');
        if (!target.endsWith('.PutRecords')) {
          const r = await forward(req.method ?? 'POST', headers, body);
          res.writeHead(r.status, {
            'content-type': r.headers['content-type'] ?? 'application/x-amz-json-1.1',
          });
          res.end(r.body);
          return;
        }
        proxy.putRecordsCalls++;
        proxy.signedBy.push(/Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '');
        const input = JSON.parse(body.toString('utf8'));
        const failing: boolean[] = input.Records.map((rec: { Data: string }) => {
          const data = Buffer.from(rec.Data, 'base64').toString('utf8');
          const count = seen.get(data) ?? 0;
          seen.set(data, count + 1);
          return proxy.failRecord(data, count);
        });
        const passing = input.Records.filter((_: unknown, i: number) => !failing[i]);
        let upstream: any = { FailedRecordCount: 0, Records: [] };
        if (passing.length > 0) {
          const r = await forward(
            'POST',
            headers,
            Buffer.from(JSON.stringify({ ...input, Records: passing })),
          );
          if (r.status !== 200) {
            res.writeHead(r.status, { 'content-type': r.headers['content-type'] });
            res.end(r.body);
            return;
          }
          upstream = JSON.parse(r.body.toString('utf8'));
        }
        const results: any[] = [];
        let next = 0;
        for (const fail of failing) {
          if (fail) {
            proxy.failedRecords++;
            results.push({
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard',
            });
          } else {
            results.push(upstream.Records[next++]);
          }
        }
        const failedCount = results.filter((r) => r.ErrorCode).length;
        await proxy.beforeAnswer();
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FailedRecordCount: failedCount, Records: results }));
      } catch (err) {
        res.writeHead(500);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

export interface FakeSts {
  endpoint: string;
  /** The form parameters of every AssumeRole call. */
  calls: Array<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A stand-in for AWS STS (which cannot run here): AssumeRole answers temporary credentials, except for
 * role names ending in "denied", which get AccessDenied as the real service would.
 */
export async function startFakeSts(): Promise<FakeSts> {
  const calls: Array<Record<string, string>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      calls.push(form);
      res.setHeader('content-type', 'text/xml');
      if (form.RoleArn?.endsWith('denied')) {
        res.statusCode = 403;
        res.end(
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
            '<Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error>' +
            '<RequestId>r1</RequestId></ErrorResponse>',
        );
        return;
      }
      res.end(
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
          '<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>' +
          `<SessionToken>session-token</SessionToken><Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration>` +
          '</Credentials><AssumedRoleUser><AssumedRoleId>AROA:audit</AssumedRoleId>' +
          `<Arn>${form.RoleArn}/audit</Arn></AssumedRoleUser></AssumeRoleResult>` +
          '<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></AssumeRoleResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
