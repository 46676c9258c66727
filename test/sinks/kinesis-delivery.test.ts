import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { WIRE_KEYS } from '../helpers/wire.js';
import {
  createStream,
  type KinesisProxy,
  kinesisClient,
  readStream,
  startFakeSts,
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
let sts: Awaited<ReturnType<typeof startFakeSts>>;

before(async () => {
  kinesalite = await startKinesalite();
  // The platform publishes through the counting proxy; the test reads kinesalite directly.
  proxy = await startKinesisProxy(kinesalite.port);
  useKinesisEndpoint(proxy.endpoint);
  sts = await startFakeSts();
  process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
  kinesis = kinesisClient(kinesalite.endpoint);
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await proxy?.close();
  await kinesalite?.close();
  await sts?.close();
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
  assert.deepEqual(Object.keys(JSON.parse(record.data)), WIRE_KEYS);
  assert.equal(record.partitionKey, TENANT);

  const records = await readStream(kinesis, 'first-stream');
  assert.equal(JSON.parse(records[0]!.data).action, 'audit.sink_created');

  const status = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
  assert.equal(status.status, 200);
  assert.equal(status.body.status, 'active');
  assert.ok(status.body.lastDeliveryAt);
  assert.equal(status.body.lastError, null);
});

test('10,000 events keep their ingest order in the partition, in far fewer PutRecords calls', async () => {
  const arn = await createStream(kinesis, 'order-stream');
  const sink = await createSink('w_order', arn);
  const callsBefore = proxy.putRecordsCalls;
  for (let b = 0; b < 10; b++) {
    await ingest(
      Array.from({ length: 1000 }, (_, i) => ({
        id: `ord_${String(b * 1000 + i).padStart(5, '0')}`,
        workspaceId: 'w_order',
        actorKind: 'system',
        action: 'test.ordered',
        metadata: { n: b * 1000 + i },
      })),
    );
  }
  const records = await waitFor(
    '10,000 events in the stream',
    async () => {
      const all = await readStream(kinesis, 'order-stream');
      const ours = all.filter((r) => r.data.includes('"test.ordered"'));
      return ours.length >= 10_000 ? ours : undefined;
    },
    120_000,
    500,
  );
  const ids = records.map((r) => JSON.parse(r.data).id as string);
  assert.equal(new Set(ids).size, 10_000, 'no event missing');
  // Ingest order is (txid, seq) in the log; the stream's single partition must show exactly that order.
  const { rows } = await p.db.pool.query<{ id: string }>(
    `select id from audit_events where tenant_id = $1 and workspace_id = 'w_order' and action = 'test.ordered'
     order by txid, seq`,
    [TENANT],
  );
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) === i),
    rows.map((r) => r.id),
  );
  assert.ok(records.every((r) => r.partitionKey === TENANT));
  const calls = proxy.putRecordsCalls - callsBefore;
  assert.ok(calls >= 20, `at most 500 records a call: ${calls} calls`);
  assert.ok(calls <= 200, `batched: ${calls} PutRecords calls for 10,000 events`);

  const history = await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries?limit=500`, { token: admin });
  assert.equal(history.status, 200);
  const delivered = history.body.data
    .filter((d: any) => d.status === 'succeeded')
    .reduce((n: number, d: any) => n + d.eventCount, 0);
  assert.equal(delivered, 10_001, 'every event (and the sink_created event) in a succeeded batch');
  assert.ok(history.body.data.every((d: any) => d.eventCount <= 500));
  assert.ok(history.body.data.every((d: any) => d.workflowId === sink.workflowId && d.runId));
});

test('records failed inside a PutRecords answer are retried alone; a batch that keeps failing is retried whole', async () => {
  const arn = await createStream(kinesis, 'partial-stream');
  const sink = await createSink('w_partial', arn);
  await waitFor(
    'the sink_created event',
    async () => (await readStream(kinesis, 'partial-stream')).length >= 1,
  );
  const failedBefore = proxy.failedRecords;
  proxy.failRecord = (data, seen) =>
    data.includes('"w_partial"') &&
    ((data.includes('test.flaky') && seen < 2) || (data.includes('test.stubborn') && seen < 6));
  try {
    const events = Array.from({ length: 40 }, (_, i) => ({
      id: `part_${i}`,
      workspaceId: 'w_partial',
      actorKind: 'system',
      action: i % 5 === 0 ? 'test.flaky' : 'test.ok',
    }));
    await ingest(events);
    const flakyOnly = await waitFor(
      'all 40 events',
      async () => {
        const ours = (await readStream(kinesis, 'partial-stream')).filter((r) => r.data.includes('"part_'));
        return ours.length >= 40 ? ours : undefined;
      },
      30_000,
    );
    const ids = flakyOnly.map((r) => JSON.parse(r.data).id);
    // Only the failed records went again, so nothing was written twice.
    assert.equal(ids.length, 40);
    assert.equal(new Set(ids).size, 40);
    assert.ok(proxy.failedRecords - failedBefore >= 16, 'each flaky record failed twice');

    // One record that fails more often than the driver retries: the batch fails and is retried whole.
    await ingest([
      { id: 'stub_1', workspaceId: 'w_partial', actorKind: 'system', action: 'test.stubborn' },
      { id: 'stub_2', workspaceId: 'w_partial', actorKind: 'system', action: 'test.ok' },
    ]);
    await waitFor(
      'the stubborn record',
      async () => (await readStream(kinesis, 'partial-stream')).some((r) => r.data.includes('"stub_1"')),
      60_000,
      200,
    );
    const history = await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries`, { token: admin });
    const batch = history.body.data.find((d: any) => d.attempts > 1);
    assert.ok(batch, JSON.stringify(history.body.data));
    assert.equal(batch.status, 'succeeded');
    assert.equal(batch.error, null);
    const all = (await readStream(kinesis, 'partial-stream')).map((r) => JSON.parse(r.data).id);
    assert.equal(all.filter((id) => id === 'stub_1').length, 1, 'the stubborn record is written once');
    assert.ok(all.filter((id) => id === 'stub_2').length >= 1, 'its neighbour at least once');
  } finally {
    proxy.failRecord = () => false;
  }
});

test('with roleArn the worker assumes the role with the external id and publishes with its credentials', async () => {
  const arn = await createStream(kinesis, 'role-stream');
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'cross-account',
      type: 'kinesis',
      workspaceId: 'w_role',
      config: { streamArn: arn, roleArn: 'arn:aws:iam::123456789012:role/publisher', externalId: 'ext-7f3a' },
    },
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.config.externalId, '***');
  const signedBefore = proxy.signedBy.length;
  await ingest([{ id: 'role_1', workspaceId: 'w_role', actorKind: 'system', action: 'test.role' }]);
  await waitFor('the event', async () =>
    (await readStream(kinesis, 'role-stream')).some((r) => r.data.includes('role_1')),
  );
  const call = sts.calls.find((c) => c.RoleArn === 'arn:aws:iam::123456789012:role/publisher');
  assert.ok(call, JSON.stringify(sts.calls));
  assert.equal(call.Action, 'AssumeRole');
  assert.equal(call.ExternalId, 'ext-7f3a');
  assert.ok(proxy.signedBy.slice(signedBefore).includes('ASIAASSUMED'), proxy.signedBy.join());

  // A role that refuses us is a config error: the sink goes failing and says why.
  const denied = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'denied',
      type: 'kinesis',
      workspaceId: 'w_denied',
      config: { streamArn: arn, roleArn: 'arn:aws:iam::123456789012:role/denied', externalId: 'ext-x' },
    },
  });
  const failing = await waitFor('failing', async () => {
    const r = await p.request('GET', `/v1/audit/sinks/${denied.body.id}`, { token: admin });
    return r.body.status === 'failing' ? r.body : undefined;
  });
  assert.match(failing.lastError, /AccessDenied/);
  assert.ok(!failing.lastError.includes('ext-x'));
});
