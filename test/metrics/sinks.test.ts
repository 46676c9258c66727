import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditMetrics } from '../../src/domain/metrics.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
} from '../sinks/kinesis-helpers.js';
import { parsePrometheusText, value } from './prometheus-text.js';
import { countEvents, event, ingest, metrics, waitFor } from './support.js';

const TENANT = 't_metrics_sinks';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let kinesis: ReturnType<typeof kinesisClient>;
let admin: string;
let producer: string;
let viewer: string;
let streamArn: string;
let sinkId: string;

type SinkFigures = AuditMetrics['sinks'][number];

async function sinkFigures(id: string, query = ''): Promise<SinkFigures> {
  const found = (await metrics(p, viewer, query)).sinks.find((s) => s.id === id);
  assert.ok(found, `sink ${id} in the metrics`);
  return found;
}

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  kinesis = kinesisClient(kinesalite.endpoint);
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  viewer = await p.createKey({ tenantId: TENANT, role: 'viewer' });
  streamArn = await createStream(kinesis, 'metrics-stream');
});
after(async () => {
  await p?.stop();
  await kinesalite?.close();
});

test("a sink's lag grows while it is paused; delivery brings it to 0 and moves lastDeliveryAt", async () => {
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'metrics', type: 'kinesis', workspaceId: 'w_s', config: { streamArn }, paused: true },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  sinkId = created.body.id;
  await ingest(
    p,
    producer,
    [1, 2, 3, 4, 5].map((i) => event('user.login', { workspaceId: 'w_s', id: `s_${i}` })),
  );
  const paused = await sinkFigures(sinkId);
  assert.deepEqual(paused, {
    id: sinkId,
    type: 'kinesis',
    status: 'paused',
    lastDeliveryAt: null,
    // Its own creation event and the five: every event of the workspace is still ahead of it.
    lagEvents: await countEvents(p, TENANT, 'w_s'),
    delivered: 0,
    failed: 0,
  });
  assert.ok(paused.lagEvents >= 5);

  const resumed = await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, {
    token: admin,
    body: { paused: false },
  });
  assert.equal(resumed.status, 200);
  const caughtUp = await waitFor(async () => {
    const s = await sinkFigures(sinkId);
    return s.lagEvents === 0 && s.delivered === (await countEvents(p, TENANT, 'w_s')) ? s : undefined;
  }, 'the sink to catch up');
  assert.equal(caughtUp.status, 'active');
  assert.ok(caughtUp.lastDeliveryAt);
  assert.equal(caughtUp.failed, 0);
  assert.equal((await readStream(kinesis, 'metrics-stream')).length, caughtUp.delivered);

  // More events: lag first counts them, then delivery takes it back to 0 and lastDeliveryAt moves on.
  await new Promise((r) => setTimeout(r, 20));
  await ingest(
    p,
    producer,
    [6, 7, 8].map((i) => event('user.logout', { workspaceId: 'w_s', id: `s_${i}` })),
  );
  const later = await waitFor(async () => {
    const s = await sinkFigures(sinkId);
    return s.lagEvents === 0 && s.delivered === caughtUp.delivered + 3 ? s : undefined;
  }, 'the next batch delivered');
  assert.ok(Date.parse(later.lastDeliveryAt!) > Date.parse(caughtUp.lastDeliveryAt!));

  // Once its cursor has moved, a sink's lag comes from counters (passed_count, the rollup's totals),
  // not from counting its backlog: it must still equal the log's own count, events past the cursor.
  const { rows } = await p.db.pool.query('select passed_count from audit_sinks where id = $1::text', [
    sinkId,
  ]);
  assert.notEqual(rows[0].passed_count, null, 'counted at the first advance');
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { paused: true } });
  await ingest(
    p,
    producer,
    [9, 10, 11, 12].map((i) => event('user.login', { workspaceId: 'w_s', id: `s_${i}` })),
  );
  const backlog = async () =>
    (
      await p.db.pool.query<{ n: number }>(
        `select count(*)::int as n from audit_events e join audit_sinks s
           on s.tenant_id = e.tenant_id and s.workspace_id = e.workspace_id
         where s.id = $1::text and (e.txid, e.seq) > (s.cursor_txid, s.cursor_seq)`,
        [sinkId],
      )
    ).rows[0]!.n;
  for (const wait of [0, 1500]) {
    // Right away (events not yet folded by the rollup) and after the rollup has folded them.
    await new Promise((r) => setTimeout(r, wait));
    const s = await sinkFigures(sinkId);
    assert.equal(s.lagEvents, await backlog());
    assert.ok(s.lagEvents >= 4);
  }
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { paused: false } });
  await waitFor(
    async () => ((await sinkFigures(sinkId)).lagEvents === 0 ? true : undefined),
    'the backlog delivered',
  );
});

test('a failing sink counts failed attempts and keeps its lag', async () => {
  const missing = streamArn.replace(/stream\/.*$/, 'stream/does-not-exist');
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'broken', type: 'kinesis', workspaceId: 'w_f', config: { streamArn: missing } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await ingest(p, producer, [event('user.login', { workspaceId: 'w_f' })]);
  const failing = await waitFor(async () => {
    const s = await sinkFigures(created.body.id);
    return s.status === 'failing' && s.failed >= 1 ? s : undefined;
  }, 'the sink to fail');
  assert.equal(failing.delivered, 0);
  assert.equal(failing.lastDeliveryAt, null);
  assert.equal(failing.lagEvents, await countEvents(p, TENANT, 'w_f'));

  // workspaceId narrows the sinks; a workspace-bound caller sees its workspaces' sinks only.
  const narrowed = await metrics(p, viewer, '?workspaceId=w_f');
  assert.deepEqual(
    narrowed.sinks.map((s) => s.id),
    [created.body.id],
  );
  const both = await metrics(p, viewer);
  assert.deepEqual(both.sinks.map((s) => s.id).sort(), [sinkId, created.body.id].sort());
  const bound = await p.createKey({ tenantId: TENANT, role: 'viewer', workspaceIds: ['w_s'] });
  assert.deepEqual(
    (await metrics(p, bound)).sinks.map((s) => s.id),
    [sinkId],
  );

  // The worker's Prometheus series agree with the per-sink counters.
  const res = await p.request('GET', '/metrics');
  assert.equal(res.status, 200);
  const exp = parsePrometheusText(res.body as string);
  const delivered = both.sinks.reduce((sum, s) => sum + s.delivered, 0);
  const kinesisType = { sink_type: 'kinesis' };
  assert.equal(value(exp, 'audit_delivery_events_total', kinesisType), delivered);
  assert.ok(value(exp, 'audit_delivery_batches_total', kinesisType) >= 2);
  assert.ok(value(exp, 'audit_delivery_failures_total', { ...kinesisType, kind: 'config' }) >= 1);
  assert.equal(value(exp, 'audit_delivery_latency_seconds_count', kinesisType), delivered);
  assert.equal(
    value(exp, 'audit_delivery_latency_seconds_bucket', { ...kinesisType, le: '+Inf' }),
    delivered,
  );
  assert.ok(value(exp, 'audit_delivery_latency_seconds_sum', kinesisType) > 0);
  assert.equal(exp.types.get('audit_delivery_latency_seconds'), 'histogram');
  assert.equal(value(exp, 'audit_delivery_backlog_events', kinesisType), failing.lagEvents);
  // Bounded labels: neither tenant nor sink ids appear anywhere.
  for (const id of [TENANT, sinkId, created.body.id]) assert.ok(!(res.body as string).includes(id), id);
});
