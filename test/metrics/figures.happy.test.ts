import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { last24hWindow, readEventCounts } from '../../src/db/event-counts.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { countEvents, event, ingest, metrics, waitFor } from './support.js';

const A = 't_metrics_a';
const B = 't_metrics_b';
let p: TestPlatform;
let viewerA: string;
let viewerB: string;

/** Waits until the rollup has folded every event of the tenant, then answers the tenant-wide figures. */
async function settled(token: string, tenantId: string) {
  return waitFor(async () => {
    const m = await metrics(p, token);
    return m.events.total === (await countEvents(p, tenantId)) ? m : undefined;
  }, `the rollup to fold every event of ${tenantId}`);
}

before(async () => {
  p = await startTestPlatform();
  const producerA = await p.createKey({ tenantId: A, role: 'producer' });
  const producerB = await p.createKey({ tenantId: B, role: 'producer' });
  const adminA = await p.createKey({ tenantId: A, role: 'admin' });
  viewerA = await p.createKey({ tenantId: A, role: 'viewer' });
  viewerB = await p.createKey({ tenantId: B, role: 'viewer' });
  // One manual canonical decision before the mix: one canonical name, one stale-free drift figure.
  const patch = await p.request('PATCH', '/v1/audit/actions/user.login', {
    token: adminA,
    body: { canonical: true },
  });
  assert.equal(patch.status, 200);

  const w1 = [
    event('user.login', { id: 'a_w1_1', workspaceId: 'w1' }),
    event('user.login', { id: 'a_w1_2', workspaceId: 'w1' }),
    event('user.login', { id: 'a_w1_3', workspaceId: 'w1' }),
    event('user.logout', { id: 'a_w1_4', workspaceId: 'w1' }),
    event('user.logout', { id: 'a_w1_5', workspaceId: 'w1' }),
    event('Bad Action', { id: 'a_w1_6', workspaceId: 'w1' }),
    event('user.login.extra.deep', { id: 'a_w1_7', workspaceId: 'w1' }),
  ];
  const w2 = [
    event('doc.created', { id: 'a_w2_1', workspaceId: 'w2' }),
    event('doc.created', { id: 'a_w2_2', workspaceId: 'w2' }),
    event('doc.created', { id: 'a_w2_3', workspaceId: 'w2' }),
    event('UPPER', { id: 'a_w2_4', workspaceId: 'w2' }),
  ];
  const tenantLevel = [event('tenant.updated', { id: 'a_t_1' }), event('tenant.updated', { id: 'a_t_2' })];
  assert.equal((await ingest(p, producerA, [...w1, ...w2, ...tenantLevel])).accepted, 13);
  // Duplicates: a resent batch and a repeat inside a batch are answered, never counted twice.
  const again = await ingest(p, producerA, [w1[0], w1[1], w2[0], w2[0]]);
  assert.deepEqual([again.accepted, again.duplicates], [0, 4]);
  // The other tenant uses the same workspace id.
  const b = [1, 2, 3, 4].map((i) => event('user.login', { id: `b_w1_${i}`, workspaceId: 'w1' }));
  assert.equal((await ingest(p, producerB, [...b, event('not valid')])).accepted, 5);
});
after(() => p.stop());

test('exact totals per workspace and tenant-wide, duplicates not counted', async () => {
  const whole = await settled(viewerA, A);
  const tenantLevel = await countEvents(p, A, null);
  // Key creation and the canonical decision are tenant-level management events of A's own log.
  assert.ok(tenantLevel >= 2 + 1);
  assert.equal(whole.events.total, 7 + 4 + tenantLevel);
  assert.equal(whole.events.last24h, whole.events.total, 'everything arrived just now');
  assert.ok(Date.parse(whole.generatedAt) <= Date.now());

  const w1 = await metrics(p, viewerA, '?workspaceId=w1');
  assert.deepEqual(w1.events, { total: 7, last24h: 7 });
  const w2 = await metrics(p, viewerA, '?workspaceId=w2');
  assert.deepEqual(w2.events, { total: 4, last24h: 4 });
  assert.deepEqual((await metrics(p, viewerA, '?workspaceId=*')).events, whole.events);
  assert.deepEqual((await metrics(p, viewerA, '?workspaceId=w_none')).events, { total: 0, last24h: 0 });
});

test('inventory figures: discovered, canonical, exact invalidActionCount and drift', async () => {
  const m = await settled(viewerA, A);
  const { rows } = await p.db.pool.query<{ n: number }>(
    `select count(distinct action)::int as n from audit_events where tenant_id = $1::text and action_valid`,
    [A],
  );
  // Valid names: user.login, user.logout, doc.created, tenant.updated and the audit.* management names.
  assert.equal(m.actions.discovered, rows[0]!.n);
  assert.ok(m.actions.discovered >= 4);
  assert.equal(m.actions.canonical, 1);
  assert.equal(m.actions.invalidActionCount, 3, 'Bad Action, user.login.extra.deep, UPPER');
  assert.deepEqual(m.actions.drift, {
    discoveredNotCanonical: m.actions.discovered - 1,
    staleCanonical: 0,
  });
  // Inventory is per tenant: a workspace-narrowed answer shows the same figures.
  assert.deepEqual((await metrics(p, viewerA, '?workspaceId=w2')).actions, m.actions);
});

test('the other tenant sees only its own figures, even for the same workspace id', async () => {
  await settled(viewerA, A);
  const b = await settled(viewerB, B);
  assert.equal(b.events.total, await countEvents(p, B));
  assert.deepEqual((await metrics(p, viewerB, '?workspaceId=w1')).events, { total: 4, last24h: 4 });
  assert.equal(b.actions.invalidActionCount, 1);
  assert.equal(b.actions.canonical, 0);
  assert.deepEqual(b.sinks, []);
  // Naming the other tenant is refused; the platform token reads either one explicitly.
  const cross = await p.request('GET', `/v1/audit/metrics?tenantId=${A}`, { token: viewerB });
  assert.equal(cross.status, 403);
  const asOperator = await p.request('GET', `/v1/audit/metrics?tenantId=${B}&workspaceId=w1`);
  assert.equal(asOperator.status, 200);
  assert.deepEqual(asOperator.body.events, { total: 4, last24h: 4 });
});

test('workspace-bound callers see their workspaces only', async () => {
  await settled(viewerA, A);
  const boundW1 = await p.createKey({ tenantId: A, role: 'viewer', workspaceIds: ['w1'] });
  const boundBoth = await p.createKey({ tenantId: A, role: 'auditor', workspaceIds: ['w1', 'w2'] });
  assert.deepEqual((await metrics(p, boundW1)).events, { total: 7, last24h: 7 });
  assert.deepEqual((await metrics(p, boundBoth)).events, { total: 11, last24h: 11 });
  assert.deepEqual((await metrics(p, boundBoth, '?workspaceId=w2')).events, { total: 4, last24h: 4 });
  const other = await p.request('GET', '/v1/audit/metrics?workspaceId=w2', { token: boundW1 });
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('content-type'), 'application/problem+json');
});

test('roles and validation: producers 403, no credentials 401, platform token must name a tenant', async () => {
  const producer = await p.createKey({ tenantId: A, role: 'producer' });
  assert.equal((await p.request('GET', '/v1/audit/metrics', { token: producer })).status, 403);
  assert.equal((await p.request('GET', '/v1/audit/metrics', { token: null })).status, 401);
  const noTenant = await p.request('GET', '/v1/audit/metrics');
  assert.equal(noTenant.status, 400);
  assert.equal(noTenant.body.errors[0].pointer, 'tenantId');
  for (const role of ['viewer', 'auditor', 'connector_builder', 'admin', 'tenant_admin'] as const) {
    const key = await p.createKey({ tenantId: A, role });
    assert.equal((await p.request('GET', '/v1/audit/metrics', { token: key })).status, 200, role);
  }
});

test('last24h is a window exact to the minute: hourly buckets plus the minutes of its first partial hour', async () => {
  const T = 't_metrics_window';
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  // received_at set by hand, as if the platform had received these earlier.
  const placed: Array<[string | null, Date]> = [
    ['w1', ago(24 * 60 - 10)], // inside, in the first (partial) hour of the window: a minute bucket
    ['w1', ago(23 * 60)], // inside, a whole hour
    [null, ago(5)], // inside, tenant level
    ['w1', ago(24 * 60 + 10)], // 10 minutes too old
    ['w2', ago(30 * 60)], // far too old for any bucket, still in the total
  ];
  for (const [i, [workspaceId, receivedAt]] of placed.entries()) {
    await p.db.pool.query(
      `insert into audit_events (tenant_id, id, workspace_id, occurred_at, received_at, actor_kind, action, action_valid)
       values ($1::text, $2::text, $3::text, $4::timestamptz, $4::timestamptz, 'system', 'clock.tick', true)`,
      [T, `win_${i}`, workspaceId, receivedAt],
    );
  }
  const viewer = await p.createKey({ tenantId: T, role: 'viewer' });
  const m = await settled(viewer, T);
  const management = await countEvents(p, T, null); // the key's creation, received now
  assert.equal(m.events.total, 5 + management - 1);
  assert.equal(m.events.last24h, 3 + management - 1);
  assert.deepEqual((await metrics(p, viewer, '?workspaceId=w1')).events, { total: 3, last24h: 2 });
  assert.deepEqual((await metrics(p, viewer, '?workspaceId=w2')).events, { total: 1, last24h: 0 });
  // Nothing older than 25 h is kept in buckets.
  const { rows } = await p.db.pool.query<{ n: number }>(
    `select count(*)::int as n from audit_event_counts_minutely
     where tenant_id = $1::text and minute < now() - interval '25 hours'`,
    [T],
  );
  assert.equal(rows[0]!.n, 0);
});

test('both parts of the window count to the second: minute buckets before the first whole hour, hourly after', async () => {
  const T = 't_metrics_edges';
  const now = new Date();
  const { start, firstWholeHour } = last24hWindow(now);
  const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);
  const placed = [
    at(start, -1), // just before the window
    at(start, 0), // its first instant
    at(firstWholeHour, -1), // the last second of the partial hour (the first whole hour itself if none)
    at(firstWholeHour, 0), // the first whole hour
    at(now, -1),
  ];
  for (const [i, receivedAt] of placed.entries()) {
    await p.db.pool.query(
      `insert into audit_events (tenant_id, id, workspace_id, occurred_at, received_at, actor_kind, action, action_valid)
       values ($1::text, $2::text, 'w1', $3::timestamptz, $3::timestamptz, 'system', 'clock.tick', true)`,
      [T, `edge_${i}`, receivedAt],
    );
  }
  const counts = await waitFor(async () => {
    const c = await readEventCounts(p.db.pool, T, null, now);
    return c.total === placed.length ? c : undefined;
  }, 'the edge events folded');
  // at(firstWholeHour, -1) is before the window only when the window starts on a whole hour.
  const partialHour = start.getTime() < firstWholeHour.getTime();
  assert.equal(counts.last24h, partialHour ? 4 : 3);
  assert.deepEqual(await readEventCounts(p.db.pool, T, ['w1'], now), counts);
  assert.deepEqual(await readEventCounts(p.db.pool, T, ['w2'], now), { total: 0, last24h: 0 });
});

test('the window starts at the beginning of the minute 24 h ago; whole hours start at the next hour', () => {
  assert.deepEqual(last24hWindow(new Date('2026-03-02T10:30:45.500Z')), {
    start: new Date('2026-03-01T10:30:00Z'),
    firstWholeHour: new Date('2026-03-01T11:00:00Z'),
  });
  assert.deepEqual(last24hWindow(new Date('2026-03-02T10:00:59Z')), {
    start: new Date('2026-03-01T10:00:00Z'),
    firstWholeHour: new Date('2026-03-01T10:00:00Z'),
  });
});

test('the OpenAPI document describes the metrics operations and the drift shape', async () => {
  const doc = (await p.request('GET', '/openapi.json', { token: null })).body;
  assert.ok(doc.paths['/v1/audit/metrics'].get);
  assert.ok(doc.paths['/v1/audit/metrics/history'].get);
  assert.ok(doc.paths['/metrics'].get);
  assert.deepEqual(Object.keys(doc.components.schemas.ActionDrift.properties).sort(), [
    'discoveredNotCanonical',
    'staleCanonical',
  ]);
  assert.deepEqual(Object.keys(doc.components.schemas.SinkFigures.properties).sort(), [
    'delivered',
    'failed',
    'id',
    'lagEvents',
    'lastDeliveryAt',
    'status',
    'type',
  ]);
});
