import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import S3rver from 's3rver';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from './kinesis-helpers.js';
import { type S3Proxy, startS3Proxy } from './receivers.js';

const TENANT = 't_s3';
const BUCKET = 'audit-archive';
let p: TestPlatform;
let s3rver: S3rver;
let s3dir: string;
let proxy: S3Proxy;
let s3: S3Client;
let admin: string;
let producer: string;

before(async () => {
  s3dir = await mkdtemp(join(tmpdir(), 'audit-s3rver-'));
  s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3rver.run();
  // The platform writes through a proxy that can lose answers; the test reads s3rver directly.
  proxy = await startS3Proxy(port);
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestHandler: new NodeHttpHandler(),
  });
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: proxy.endpoint });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await proxy?.close();
  await s3rver?.close();
  if (s3dir) await rm(s3dir, { recursive: true, force: true });
});

async function createSink(workspaceId: string, config: Record<string, unknown>) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: `archive ${workspaceId}`, type: 's3', workspaceId, config },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function ingest(workspaceId: string, n: number, tag: string) {
  const ids: string[] = [];
  for (let offset = 0; offset < n; offset += 1000) {
    const events = Array.from({ length: Math.min(1000, n - offset) }, (_, i) => ({
      id: `${tag}_${offset + i}`,
      workspaceId,
      occurredAt: new Date(Date.UTC(2026, 3, 28, 7, 14, 55, offset + i)).toISOString(),
      actorKind: 'api_key',
      actorApiKeyId: 'k_1',
      action: 'export.file_downloaded',
      resourceType: 'file',
      resourceId: `f_${offset + i}`,
      metadata: { size: offset + i, path: `/reports/${offset + i}.csv`, nested: { ok: true } },
      ip: '2001:db8::1',
      userAgent: 'curl/8',
    }));
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    ids.push(...(res.body as { ids: string[] }).ids);
  }
  return ids;
}

interface StoredObject {
  key: string;
  contentType: string | undefined;
  lines: Array<Record<string, any>>;
}

async function readObjects(prefix: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: item.Key! }));
      const text = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString('utf8');
      assert.ok(text.endsWith('\n'), 'JSON lines end with a newline');
      out.push({
        key: item.Key!,
        contentType: got.ContentType,
        lines: text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function listedEvents(workspaceId: string) {
  const out = new Map<string, unknown>();
  let cursor: string | null = null;
  do {
    const q: string = `/v1/audit/events?workspaceId=${workspaceId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await p.request('GET', q, { token: admin });
    for (const e of res.body.data) out.set(e.id, e);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

const KEY_PATTERN =
  /^audit\/tenant=t_s3\/workspace=w_s3\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/snk_[a-z0-9]+-\d+-\d+\.\d+-\d+\.jsonl\.gz$/;

test('each batch is one gzip JSON-lines object under a deterministic key, and the contents equal the events exactly', async () => {
  await createSink('w_s3', { bucket: BUCKET, region: 'us-east-1', prefix: 'audit/' });
  const ids = await ingest('w_s3', 6000, 'arch');
  const objects = await waitFor(
    'every event in the bucket',
    async () => {
      const objs = await readObjects('audit/tenant=t_s3/workspace=w_s3/');
      const got = new Set(objs.flatMap((o) => o.lines.map((l) => l.id)));
      return ids.every((id) => got.has(id)) ? objs : undefined;
    },
    90_000,
    500,
  );
  // 6000 events and the sink_created event: at least two objects (5000 events a batch at most).
  assert.ok(objects.length >= 2, `${objects.length} objects`);
  const wire = await listedEvents('w_s3');
  const seen = new Set<string>();
  for (const o of objects) {
    assert.match(o.key, KEY_PATTERN);
    assert.equal(o.contentType, 'application/gzip');
    assert.ok(o.lines.length <= 5000);
    // date and hour name the batch's first event.
    const first = new Date(o.lines[0]!.occurredAt).toISOString();
    assert.ok(o.key.includes(`/date=${first.slice(0, 10)}/hour=${first.slice(11, 13)}/`), o.key);
    for (const line of o.lines) {
      assert.ok(!seen.has(line.id), `${line.id} twice`);
      seen.add(line.id);
      assert.deepEqual(line, wire.get(line.id));
    }
  }
  // In ingest order across objects: within a date/hour folder, a sink's object names sort by log position.
  const name = (o: StoredObject) => o.key.split('/').at(-1)!;
  const order = objects
    .sort((a, b) => name(a).localeCompare(name(b), 'en', { numeric: true }))
    .flatMap((o) => o.lines.map((l) => l.id))
    .filter((id) => ids.includes(id));
  assert.deepEqual(order, ids);
});

test('a retried batch overwrites its own object: no duplicates after lost answers', async () => {
  const sink = await createSink('w_s3_retry', { bucket: BUCKET, region: 'us-east-1' });
  // Let the sink_created batch through, then lose the answers of the next batch's first 3 PUTs (the
  // SDK's own attempts): s3rver stored the object each time, the delivery fails, Temporal retries.
  await waitFor(
    'the first object',
    async () => (await readObjects('tenant=t_s3/workspace=w_s3_retry/')).length === 1,
  );
  const base = proxy.putCalls;
  proxy.failAfterStoring = (n) => n > base && n <= base + 3;
  const ids = await ingest('w_s3_retry', 50, 'retry');
  const retried = await waitFor(
    'the batch delivered after the retry',
    async () => {
      const res = await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries`, { token: admin });
      const rows = res.body.data as Array<{ attempts: number; status: string; eventCount: number }>;
      return rows.find((d) => d.eventCount === 50 && d.status === 'succeeded');
    },
    60_000,
    300,
  );
  proxy.failAfterStoring = () => false;
  assert.equal(retried.attempts, 2);
  assert.ok(proxy.putCalls >= base + 4, `${proxy.putCalls - base} PUTs`);
  const objects = await readObjects('tenant=t_s3/workspace=w_s3_retry/');
  assert.equal(objects.length, 2, objects.map((o) => o.key).join(', '));
  const all = objects.flatMap((o) => o.lines.map((l) => l.id));
  assert.equal(new Set(all).size, all.length, 'no event twice');
  assert.ok(ids.every((id) => all.includes(id)));
});

test('a missing bucket is a config error: the sink goes failing and the test endpoint says so', async () => {
  const sink = await createSink('w_s3_missing', { bucket: 'no-such-bucket', region: 'us-east-1' });
  const failing = await waitFor('the sink failing', async () => {
    const s = (await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin })).body;
    return s.status === 'failing' ? s : undefined;
  });
  assert.match(failing.lastError, /NoSuchBucket/);
  const tested = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(tested.body.ok, false);
  assert.equal(tested.body.errorKind, 'config');
});

test('s3 config: bucket and region are validated, externalId needs roleArn and is shown as ***', async () => {
  const bad = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'bad',
      type: 's3',
      workspaceId: 'w_s3_bad',
      config: { bucket: 'Bad_Bucket', region: 'mars', externalId: 'ext-123' },
    },
  });
  assert.equal(bad.status, 400);
  const pointers = bad.body.errors.map((e: { pointer: string }) => e.pointer).sort();
  assert.deepEqual(pointers, ['/config/bucket', '/config/externalId', '/config/region']);
  const sink = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'role',
      type: 's3',
      workspaceId: 'w_s3_role',
      enabled: false,
      config: {
        bucket: BUCKET,
        region: 'eu-central-1',
        roleArn: 'arn:aws:iam::123456789012:role/audit-writer',
        externalId: 'ext-secret-42',
      },
    },
  });
  assert.equal(sink.status, 201, JSON.stringify(sink.body));
  assert.equal(sink.body.config.externalId, '***');
  assert.match(sink.body.warnings[0], /eu-central-1/);
  assert.ok(!JSON.stringify(sink.body).includes('ext-secret-42'));
});
