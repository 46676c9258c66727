import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  type KinesisProxy,
  kinesisClient,
  readStream,
  startKinesalite,
  startKinesisProxy,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';

const TENANT = 't_kin';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let proxy: KinesisProxy;
let kinesis: ReturnType<typeof kinesisClient>;
let admin: string;
let producer: string;

before(async () => {
  kinesalite = await startKinesalite();
  // The platform publishes through the counting proxy; the test reads kinesalite directly.
  proxy = await startKinesisProxy(kinesalite.port);
  useKinesisEndpoint(proxy.endpoint);
  kinesis = kinesisClient(kinesalite.endpoint);
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await proxy?.close();
  await kinesalite?.close();
});

async function createSink(workspaceId: string, streamArn: string) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: `stream of ${workspaceId}`, type: 'kinesis', workspaceId, config: { streamArn } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function ingest(events: unknown[]) {
  const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body as { ids: string[] };
}

test('an event reaches the stream within 2 s as the exact wire JSON, partitioned by tenant', async () => {
  const arn = await createStream(kinesis, 'first-stream');
  const sink = await createSink('w_first', arn);
  assert.equal(sink.status, 'active');
  assert.equal(sink.type, 'kinesis');
  assert.deepEqual(sink.config, { streamArn: arn });
  assert.deepEqual(sink.warnings, []);
  assert.equal(sink.workflowId, `${p.taskQueue}:sink:${TENANT}:${sink.id}`);

  // Let the new workflow deliver the sink's own creation event, so the timing below is the steady state.
  await waitFor(
    'the sink_created event',
    async () => (await readStream(kinesis, 'first-stream')).length >= 1,
  );

  const sent = {
    id: 'evt_first_1',
    workspaceId: 'w_first',
    occurredAt: '2026-04-28T07:14:55.123Z',
    actorKind: 'user',
    actorUserId: 'u_1',
    action: 'tenant.member_invited',
    resourceType: 'membership',
    resourceId: 'm_1',
    metadata: { role: 'viewer', nested: { a: [1, 2] } },
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
  };
  const t0 = Date.now();
  await ingest([sent]);
  const record = await waitFor(
    'the event in the stream',
    async () => (await readStream(kinesis, 'first-stream')).find((r) => r.data.includes('evt_first_1')),
    10_000,
    50,
  );
  const latency = Date.now() - t0;
  assert.ok(latency < 2000, `arrived after ${latency} ms`);

  const stored = await p.request('GET', '/v1/audit/events?workspaceId=w_first&action=tenant.member_invited', {
    token: admin,
  });
  assert.equal(stored.body.data.length, 1);
  // Byte for byte what GET answers: same keys, same order, one line.
  assert.equal(record.data, JSON.stringify(stored.body.data[0]));
  assert.ok(!record.data.includes('\n'));
  assert.deepEqual(JSON.parse(record.data), { ...sent, tenantId: TENANT, actorApiKeyId: null });
  assert.deepEqual(Object.keys(JSON.parse(record.data)), [
    'id',
    'tenantId',
    'workspaceId',
    'occurredAt',
    'actorKind',
    'actorUserId',
    'actorApiKeyId',
    'action',
    'resourceType',
    'resourceId',
    'metadata',
    'ip',
    'userAgent',
  ]);
  assert.equal(record.partitionKey, TENANT);

  const records = await readStream(kinesis, 'first-stream');
  assert.equal(JSON.parse(records[0]!.data).action, 'audit.sink_created');

  const status = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'active');
  assert.ok(status.body.lastDeliveryAt);
  assert.equal(status.body.lastError, null);
});
