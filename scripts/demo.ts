/**
 * `npm run demo`: the platform with a Kinesis stream and an S3 bucket, on one machine, no AWS account.
 * Starts kinesalite and s3rver (local stand-ins for the two APIs), points the AWS SDK at them, runs
 * the platform as `npm start` does (its own data directory, .data-demo), connects a kinesis sink and
 * an s3 sink for tenant t_demo, sends a few events and prints every record as it reaches the stream
 * and every object as it lands in the bucket. It keeps running until Ctrl-C (or SIGTERM), so you can
 * send more events and watch them arrive, or open the console.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { run } from '../src/main/run.js';
import { type AwsStandIns, ensureStream, startAwsStandIns } from './demo/aws-stand-ins.js';

const TENANT = 't_demo';
const WORKSPACE = 'w_demo';
const STREAM = 'audit-demo';
const BUCKET = 'audit-demo';

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

async function api<T>(url: string, token: string, method: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** The demo's sink of this type: created on the first run, retried with its config on later ones. */
async function ensureSink(apiUrl: string, adminKey: string, type: 'kinesis' | 's3', config: object) {
  const name = `demo ${type}`;
  const { data } = await api<{ data: Array<{ id: string; name: string }> }>(
    `${apiUrl}/v1/audit/sinks?workspaceId=${WORKSPACE}`,
    adminKey,
    'GET',
  );
  const existing = data.find((s) => s.name === name);
  if (existing) {
    // The stand-ins are new on every run: a config change makes a sink that was failing retry now.
    await api(`${apiUrl}/v1/audit/sinks/${existing.id}`, adminKey, 'PATCH', { config, paused: false });
    return existing.id;
  }
  const created = await api<{ id: string }>(`${apiUrl}/v1/audit/sinks`, adminKey, 'POST', {
    name,
    type,
    workspaceId: WORKSPACE,
    config,
  });
  return created.id;
}

function describe(line: string): string {
  try {
    const e = JSON.parse(line) as { id: string; action: string; workspaceId: string | null };
    return `${e.action}  id=${e.id}`;
  } catch {
    return line.slice(0, 120);
  }
}

/** Prints each record the stream receives, as it arrives (GetRecords every half second). */
function tailStream(aws: AwsStandIns, stopped: () => boolean) {
  return (async () => {
    const d = await aws.kinesis.send(new DescribeStreamCommand({ StreamName: STREAM }));
    let iterator = (
      await aws.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: STREAM,
          ShardId: d.StreamDescription!.Shards![0]!.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (!stopped() && iterator) {
      const page = await aws.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) {
        const line = Buffer.from(r.Data!).toString('utf8');
        say(`kinesis record  stream ${STREAM}  ${describe(line)}`);
        say(`    ${line}`);
      }
      iterator = page.NextShardIterator;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
}

async function objectKeys(aws: AwsStandIns): Promise<Set<string>> {
  const page = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return new Set((page.Contents ?? []).map((o) => o.Key!));
}

/** Prints each object that lands in the bucket (one per delivered batch) and is not in `seen`. */
function tailBucket(aws: AwsStandIns, seen: Set<string>, stopped: () => boolean) {
  return (async () => {
    while (!stopped()) {
      const page = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      for (const item of page.Contents ?? []) {
        if (seen.has(item.Key!)) continue;
        seen.add(item.Key!);
        const got = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: item.Key! }));
        const lines = gunzipSync(Buffer.from(await got.Body!.transformToByteArray()))
          .toString('utf8')
          .split('\n')
          .filter(Boolean);
        say(
          `s3 object       s3://${BUCKET}/${item.Key}  ${lines.length} event(s): ${lines.map(describe).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
}

async function main() {
  let stopped = false;
  const dataDir = resolve(process.env.AUDIT_DEMO_DATA_DIR ?? '.data-demo');
  const aws = await startAwsStandIns(join(dataDir, 's3'));
  const streamArn = await ensureStream(aws.kinesis, STREAM);
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err: Error) => {
    if (!/BucketAlready/.test(err.name)) throw err;
  });

  // `npm start` on the demo's own data directory, with the SDK pointed at the stand-ins. Sinks made
  // here point at stand-ins that live only as long as the demo: they stay out of your ./.data.
  Object.assign(process.env, aws.env, {
    AUDIT_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    AUDIT_ADMIN_TOKEN: '',
    AUDIT_SECRET_KEY: '',
  });
  const earlierObjects = await objectKeys(aws);
  await run({ api: true, worker: true, embedded: true });
  const apiUrl = `http://localhost:${process.env.PORT || 3000}`;
  const platformToken = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();

  const keys = async (role: string) =>
    (
      await api<{ key: string }>(`${apiUrl}/v1/admin/api-keys`, platformToken, 'POST', {
        tenantId: TENANT,
        role,
      })
    ).key;
  const adminKey = await keys('tenant_admin');
  const producerKey = await keys('producer');
  await ensureSink(apiUrl, adminKey, 'kinesis', { streamArn });
  await ensureSink(apiUrl, adminKey, 's3', { bucket: BUCKET, region: 'us-east-1' });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.prependListener(signal, () => (stopped = true));
  say('');
  say(`Demo: tenant ${TENANT}, workspace ${WORKSPACE}, two sinks on local stand-ins of AWS:`);
  say(`  kinesis sink  -> stream ${STREAM} on kinesalite at ${aws.kinesisEndpoint}`);
  say(
    `  s3 sink       -> bucket ${BUCKET} on s3rver at ${aws.s3Endpoint} (files under ${join(dataDir, 's3')})`,
  );
  say('');
  say('Send more events (this shell has no keys; paste the whole line):');
  say(
    `  curl -s ${apiUrl}/v1/audit/events -H 'Authorization: Bearer ${producerKey}' ` +
      `-H 'content-type: application/json' -d '{"workspaceId":"${WORKSPACE}","actorKind":"user","actorUserId":"u_1","action":"demo.clicked"}'`,
  );
  say(`Open the console at ${apiUrl}/console with the tenant admin key ${adminKey}`);
  say('Ctrl-C stops everything. Records as they arrive:');
  say('');

  const tails = [tailStream(aws, () => stopped), tailBucket(aws, earlierObjects, () => stopped)];
  for (const action of ['member.invited', 'member.role_changed', 'billing.plan_changed']) {
    await api(`${apiUrl}/v1/audit/events`, producerKey, 'POST', {
      workspaceId: WORKSPACE,
      actorKind: 'user',
      actorUserId: 'u_1',
      action,
      resourceType: 'demo',
      resourceId: 'r_1',
    });
  }
  await Promise.all(tails).catch((err: Error) => {
    if (!stopped) say(`the tail stopped: ${err.message}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
