import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { find, parsePrometheusText, value } from './prometheus-text.js';
import { event, ingest, waitFor } from './support.js';

const TENANT = 't_prom';
let api: TestPlatform;
let producer: string;

async function scrape(url: string, token: string | null) {
  const res = await fetch(`${url}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

before(async () => {
  api = await startTestPlatform();
  producer = await api.createKey({ tenantId: TENANT, role: 'producer', workspaceIds: ['w1'] });
});
after(() => api?.stop());

test('/metrics needs the platform token by default: 401 without, 403 for tenant credentials', async () => {
  assert.equal((await scrape(api.url, null)).status, 401);
  const admin = await api.createKey({ tenantId: TENANT, role: 'tenant_admin' });
  const asTenant = await scrape(api.url, admin);
  assert.equal(asTenant.status, 403);
  assert.doesNotMatch(asTenant.text, /audit_/);
  const ok = await scrape(api.url, api.adminToken);
  assert.equal(ok.status, 200);
  assert.match(ok.type ?? '', /^text\/plain; version=0\.0\.4/);
});

test('ingest: accepted, duplicates, rejections by reason and latency by route pattern', async () => {
  const first = await ingest(api, producer, [
    event('user.login', { id: 'p1' }),
    event('user.login', { id: 'p2' }),
    event('Bad Name', { id: 'p3' }),
  ]);
  assert.equal(first.accepted, 3);
  const again = await ingest(api, producer, [event('user.login', { id: 'p1' }), event('x.y', { id: 'p4' })]);
  assert.deepEqual([again.accepted, again.duplicates], [1, 1]);
  const rejections: Array<[number, unknown, string | null]> = [
    [400, { events: [{ action: 'no.actor' }] }, producer],
    [400, { events: [event('a.b', { occurredAt: 'yesterday' })] }, producer],
    [403, { events: [event('a.b', { workspaceId: 'w2' })] }, producer],
    [401, { events: [event('a.b')] }, null],
  ];
  for (const [status, body, token] of rejections) {
    assert.equal((await api.request('POST', '/v1/audit/events', { token, body })).status, status);
  }
  const notJson = await api.request('POST', '/v1/audit/events', {
    token: producer,
    rawBody: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(notJson.status, 415);
  await api.request('GET', `/v1/audit/sinks/snk_${'z'.repeat(10)}`, { token: producer });
  await api.request('GET', '/no/such/path/12345', { token: null });

  const { text } = await scrape(api.url, api.adminToken);
  const exp = parsePrometheusText(text);
  assert.equal(value(exp, 'audit_ingest_events_accepted_total'), 4);
  assert.equal(value(exp, 'audit_ingest_events_duplicate_total'), 1);
  assert.equal(value(exp, 'audit_ingest_rejected_requests_total', { reason: 'validation-error' }), 2);
  assert.equal(value(exp, 'audit_ingest_rejected_requests_total', { reason: 'forbidden' }), 1);
  assert.equal(value(exp, 'audit_ingest_rejected_requests_total', { reason: 'unauthorized' }), 1);
  assert.equal(value(exp, 'audit_ingest_rejected_requests_total', { reason: 'unsupported-media-type' }), 1);

  const ingest202 = { method: 'POST', route: '/v1/audit/events', status_class: '2xx' };
  assert.equal(exp.types.get('audit_http_request_duration_seconds'), 'histogram');
  assert.equal(value(exp, 'audit_http_request_duration_seconds_count', ingest202), 2);
  assert.equal(value(exp, 'audit_http_request_duration_seconds_bucket', { ...ingest202, le: '+Inf' }), 2);
  assert.equal(
    value(exp, 'audit_http_request_duration_seconds_count', { ...ingest202, status_class: '4xx' }),
    5,
  );
  // Route patterns, never raw paths: ids and unknown paths cannot grow the label set.
  assert.equal(
    find(exp, 'audit_http_request_duration_seconds_count', { route: '/v1/audit/sinks/:sinkId' }).length,
    1,
  );
  assert.equal(find(exp, 'audit_http_request_duration_seconds_count', { route: 'unmatched' }).length, 1);
  // (Checked inside label values: a sample's value may well contain the digits 12345.)
  assert.doesNotMatch(text, /"[^"\n]*(zzzzzzzzzz|12345|t_prom)[^"\n]*"/);
  // Node's own process metrics come along.
  assert.ok(find(exp, 'process_cpu_user_seconds_total').length === 1);
});

test('a worker-only process serves its metrics on its health port; AUDIT_METRICS_PUBLIC opens it', async () => {
  // A platform of its own (own database): its rollup folds the invalid name, its /metrics reads it.
  const worker = await startTestPlatform({ AUDIT_METRICS_PUBLIC: 'true' }, { api: false, worker: true });
  try {
    const pool = worker.db.pool;
    await pool.query(
      `insert into audit_events (tenant_id, id, occurred_at, actor_kind, action, action_valid)
       values ('t_w', 'e1', now(), 'system', 'Nope', false), ('t_w', 'e2', now(), 'system', 'ok.fine', true)`,
    );
    const url = worker.platform.healthUrl;
    const exp = await waitFor(async () => {
      const res = await scrape(url, null);
      assert.equal(res.status, 200, 'open without a token');
      const parsed = parsePrometheusText(res.text);
      return value(parsed, 'audit_invalid_action_events') === 1 ? parsed : undefined;
    }, 'the invalid name counted');
    assert.equal(exp.types.get('audit_invalid_action_events'), 'gauge');
    assert.equal(find(exp, 'audit_ingest_events_accepted_total').length, 0, 'ingest series live in the API');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    await worker.stop();
  }
});
