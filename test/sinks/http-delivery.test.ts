import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from './kinesis-helpers.js';
import { type HttpReceiver, startHttpReceiver, verifyAuditSignature } from './receivers.js';

const TENANT = 't_http';
const SECRET = 'whsec_first_0123456789abcdef';
const HEADER_TOKEN = 'Bearer receiver-token-5f2c9a';
let p: TestPlatform;
let admin: string;
let producer: string;
const receivers: HttpReceiver[] = [];

before(async () => {
  // The receivers listen on loopback: the guard is lifted, as in local development.
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  for (const r of receivers) await r.close();
});

async function receiver(secret: string | null = null) {
  const r = await startHttpReceiver(secret);
  receivers.push(r);
  return r;
}

async function createSink(workspaceId: string, config: Record<string, unknown>) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: `http ${workspaceId}`, type: 'http', workspaceId, config },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function ingest(workspaceId: string, n: number, action = 'order.placed') {
  const events = Array.from({ length: n }, (_, i) => ({
    workspaceId,
    actorKind: 'user',
    actorUserId: `u_${i}`,
    action,
    resourceType: 'order',
    resourceId: `o_${i}`,
    metadata: { i, note: 'quote " and backslash \\ and ] bracket' },
  }));
  const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return (res.body as { ids: string[] }).ids;
}

async function getSink(id: string) {
  const res = await p.request('GET', `/v1/audit/sinks/${id}`, { token: admin });
  assert.equal(res.status, 200);
  return res.body;
}

async function deliveries(id: string) {
  const res = await p.request('GET', `/v1/audit/sinks/${id}/deliveries`, { token: admin });
  assert.equal(res.status, 200);
  return res.body.data as Array<{
    status: string;
    attempts: number;
    eventCount: number;
    error: string | null;
  }>;
}

const acceptedIds = (r: HttpReceiver) => new Set(r.acceptedEvents().map((e) => e.id as string));

test('a batch is POSTed as NDJSON with its idempotency key, custom headers and a signature the receiver verifies', async () => {
  const r = await receiver(SECRET);
  const sink = await createSink('w_http_ok', {
    url: `${r.url}/ingest`,
    secret: SECRET,
    headers: { Authorization: HEADER_TOKEN, 'X-Tenant-Route': 'blue' },
  });
  assert.equal(sink.config.secret, '***');
  assert.equal(sink.config.headers, '***');
  assert.equal(sink.config.url, `${r.url}/ingest`);

  const ids = await ingest('w_http_ok', 5);
  await waitFor('the events at the receiver', async () => ids.every((id) => acceptedIds(r).has(id)));

  const req = r.requests.find((q) => q.body.includes(ids[0]!))!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/ingest');
  assert.equal(req.headers['content-type'], 'application/x-ndjson');
  assert.equal(req.headers.authorization, HEADER_TOKEN);
  assert.equal(req.headers['x-tenant-route'], 'blue');
  assert.match(String(req.headers['idempotency-key']), new RegExp(`^${sink.id}-\\d+-\\d+$`));
  assert.equal(req.signatureValid, true);
  assert.match(String(req.headers['x-audit-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
  assert.equal(
    String(req.headers['x-audit-signature']).split(',')[0],
    `t=${req.headers['x-audit-timestamp']}`,
  );
  assert.ok(req.body.endsWith('\n'));

  // Every line is the exact wire object the API answers for that event.
  const listed = await p.request('GET', '/v1/audit/events?workspaceId=w_http_ok&limit=100', { token: admin });
  const byId = new Map((listed.body.data as Array<{ id: string }>).map((e) => [e.id, e]));
  for (const event of r.acceptedEvents().filter((e) => ids.includes(e.id as string))) {
    assert.deepEqual(event, byId.get(event.id as string));
  }
  // Delivered in ingest order.
  const order = r
    .acceptedEvents()
    .map((e) => e.id as string)
    .filter((id) => ids.includes(id));
  assert.deepEqual(order, ids);
});

test('503 with Retry-After, then 200: everything arrives, the retry waited, and the history shows two attempts', async () => {
  const r = await receiver();
  r.respond = (_req, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '3' } } : { status: 200 });
  const sink = await createSink('w_http_503', { url: r.url });
  const ids = await ingest('w_http_503', 3);
  await waitFor('the events after the retry', async () => ids.every((id) => acceptedIds(r).has(id)), 60_000);

  // The first batch (the sink's own creation event) was refused once and delivered on the second try.
  assert.equal(r.requests[0]!.headers['idempotency-key'], r.requests[1]!.headers['idempotency-key']);
  // Retry-After: 3 replaced the policy's 1 s first backoff.
  assert.ok(r.requests[1]!.at - r.requests[0]!.at >= 2500, `${r.requests[1]!.at - r.requests[0]!.at} ms`);
  const history = await waitFor('the history', async () => {
    const rows = await deliveries(sink.id);
    return rows.some((d) => d.attempts === 2 && d.status === 'succeeded') ? rows : undefined;
  });
  assert.ok(history.every((d) => d.status === 'succeeded'));
  const again = await getSink(sink.id);
  assert.equal(again.status, 'active');
  assert.equal(again.lastError, null);
});

test('400: the batch fails, the sink goes failing with lastError, and a PATCH after the fix delivers it', async () => {
  const r = await receiver();
  let refuse = true;
  r.respond = () => ({ status: refuse ? 400 : 200 });
  const sink = await createSink('w_http_400', { url: r.url });
  const ids = await ingest('w_http_400', 2);
  const failing = await waitFor('the sink failing', async () => {
    const s = await getSink(sink.id);
    return s.status === 'failing' ? s : undefined;
  });
  assert.match(failing.lastError, /answered 400: rejected with 400/);
  const history = await deliveries(sink.id);
  assert.equal(history[0]!.status, 'failed');
  assert.match(history[0]!.error!, /400/);
  // A 4xx is not retried on its own: the one request stays the only one.
  const seen = r.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(r.requests.length, seen);

  refuse = false;
  const patched = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: { timeoutMs: 5000 } },
  });
  assert.equal(patched.status, 200);
  await waitFor('the events after the fix', async () => ids.every((id) => acceptedIds(r).has(id)), 60_000);
  assert.equal((await getSink(sink.id)).status, 'active');
});

test('a wrong signing secret is detected by the receiver, and the sink shows it', async () => {
  const r = await receiver(SECRET);
  const sink = await createSink('w_http_badsig', { url: r.url, secret: 'whsec_not_the_receivers_secret' });
  await waitFor('a request', async () => r.requests.length > 0);
  assert.equal(r.requests[0]!.signatureValid, false);
  const failing = await waitFor('the sink failing', async () => {
    const s = await getSink(sink.id);
    return s.status === 'failing' ? s : undefined;
  });
  assert.match(failing.lastError, /401/);
  assert.ok(!failing.lastError.includes('whsec_'));
});

test('secret rotation: during the overlap both signatures go out; overlap 0 drops the old one at once', async () => {
  const newSecret = 'whsec_second_fedcba9876543210';
  const third = 'whsec_third_00112233445566778899';
  const r = await receiver(SECRET);
  const sink = await createSink('w_http_rotate', { url: r.url, secret: SECRET });
  await waitFor('the first delivery', async () => r.acceptedEvents().length > 0);

  const patched = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: { secret: newSecret } },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.config.secret, '***');
  assert.equal(patched.body.config.previousSecret, '***');
  const expires = Date.parse(patched.body.config.previousSecretExpiresAt);
  assert.ok(
    Math.abs(expires - (Date.now() + 86_400_000)) < 60_000,
    patched.body.config.previousSecretExpiresAt,
  );

  const [rotated] = await ingest('w_http_rotate', 1);
  await waitFor('the event after the rotation', async () => acceptedIds(r).has(rotated!));
  const req = r.requests.find((q) => q.body.includes(rotated!))!;
  const v1s = String(req.headers['x-audit-signature'])
    .split(',')
    .filter((s) => s.startsWith('v1='));
  assert.equal(v1s.length, 2);
  // A receiver still on the old secret accepts it, and so does one already on the new secret.
  assert.equal(verifyAuditSignature(SECRET, req.headers, req.body), true);
  assert.equal(verifyAuditSignature(newSecret, req.headers, req.body), true);

  // Sending back what a GET shows keeps both secrets as they are.
  const echoed = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: patched.body.config },
  });
  assert.equal(echoed.status, 200, JSON.stringify(echoed.body));
  assert.equal(echoed.body.config.previousSecretExpiresAt, patched.body.config.previousSecretExpiresAt);

  r.receiverSecret = third;
  const cut = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: { secret: third, secretOverlapSeconds: 0 } },
  });
  assert.equal(cut.status, 200);
  assert.equal(cut.body.config.previousSecret, undefined);
  const [afterCut] = await ingest('w_http_rotate', 1);
  await waitFor('the event after the cut', async () => acceptedIds(r).has(afterCut!));
  const last = r.requests.find((q) => q.body.includes(afterCut!))!;
  assert.match(String(last.headers['x-audit-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
  assert.equal(verifyAuditSignature(third, last.headers, last.body), true);
  assert.equal(verifyAuditSignature(newSecret, last.headers, last.body), false);
});

test('a redirect is not followed: the sink fails and the target never hears from it', async () => {
  const target = await receiver();
  const r = await receiver();
  r.respond = () => ({ status: 307, headers: { location: `${target.url}/elsewhere` } });
  const sink = await createSink('w_http_redirect', { url: r.url });
  const failing = await waitFor('the sink failing', async () => {
    const s = await getSink(sink.id);
    return s.status === 'failing' ? s : undefined;
  });
  assert.match(failing.lastError, /307.*redirects are not followed/);
  assert.equal(target.requests.length, 0);
});

test('POST …/test sends one synthetic event through the http sink and reports the outcome', async () => {
  const r = await receiver(SECRET);
  const sink = await createSink('w_http_test', { url: r.url, secret: SECRET });
  const ok = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
  assert.ok(r.acceptedEvents().some((e) => e.id === ok.body.eventId && e.action === 'audit.sink.test'));

  r.respond = () => ({ status: 403 });
  const refused = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(refused.body.ok, false);
  assert.equal(refused.body.errorKind, 'config');
  r.respond = () => ({ status: 502 });
  const transient = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(transient.body.errorKind, 'retryable');
});

test('secrets never appear in any answer: sink views, lists, audit events, history', async () => {
  const r = await receiver(SECRET);
  const sink = await createSink('w_http_secret', {
    url: r.url,
    secret: SECRET,
    headers: { Authorization: HEADER_TOKEN },
  });
  await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: { secret: 'whsec_rotated_abcdefabcdef12' } },
  });
  await waitFor('a delivery', async () => r.acceptedEvents().length > 0);
  const answers = [
    sink,
    (await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin })).body,
    (await p.request('GET', '/v1/audit/sinks?workspaceId=w_http_secret', { token: admin })).body,
    (await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries`, { token: admin })).body,
    (await p.request('GET', '/v1/audit/events?workspaceId=w_http_secret', { token: admin })).body,
  ];
  const text = JSON.stringify(answers);
  for (const secret of [SECRET, 'whsec_rotated_abcdefabcdef12', 'receiver-token-5f2c9a']) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  // The audit trail records the change, with the config redacted.
  assert.ok(text.includes('audit.sink_updated'));
});
