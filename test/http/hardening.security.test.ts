import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/**
 * Answers are never cached, a client's request id is bounded, and failed authentication is limited
 * per client address before any token is looked up (issue 14, items 8 and 10).
 */

let p: TestPlatform;
let viewer: string;

before(async () => {
  p = await startTestPlatform({}, { worker: false });
  viewer = await p.createKey({ tenantId: 't_hard', role: 'viewer' });
});
after(async () => p?.stop());

/** A GET from a chosen loopback source address (the limiter keys on the TCP peer): status, Retry-After. */
function getFrom(localAddress: string, path: string, token: string): Promise<number> {
  return getFromWithRetry(localAddress, path, token).then(([status]) => status);
}

function getFromWithRetry(localAddress: string, path: string, token: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, p.url);
    const req = httpRequest(
      url,
      { method: 'GET', localAddress, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve([res.statusCode ?? 0, String(res.headers['retry-after'] ?? '')]));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('every answer carries Cache-Control: no-store, success or problem', async () => {
  const answers = [
    await p.request('GET', '/v1/audit/events', { token: viewer }),
    await p.request('GET', '/v1/audit/events?limit=0', { token: viewer }),
    await p.request('GET', '/v1/audit/sinks/nope', { token: viewer }),
    await p.request('GET', '/v1/no-such-route', { token: viewer }),
    await p.request('GET', '/v1/admin/api-keys'),
    await p.request('GET', '/openapi.json', { token: null }),
    await p.request('GET', '/v1/audit/events', { token: null }),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 400, 404, 404, 200, 200, 401],
  );
  for (const a of answers) assert.equal(a.headers.get('cache-control'), 'no-store', String(a.status));
});

test('a client x-request-id is echoed only when short and of a safe alphabet; otherwise one is generated', async () => {
  const echo = async (id: string) =>
    (
      await p.request('GET', '/v1/audit/events', { token: viewer, headers: { 'x-request-id': id } })
    ).headers.get('x-request-id');
  const good = 'req-42_a.b:c';
  assert.equal(await echo(good), good);
  assert.equal(await echo('x'.repeat(128)), 'x'.repeat(128));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  for (const bad of ['x'.repeat(129), 'a b', '<script>', 'id;drop', 'line\tbreak', '"quoted"']) {
    assert.match((await echo(bad)) ?? '', uuid, JSON.stringify(bad));
  }
});

test('a burst of unknown keys from one address is cut off with 429 and Retry-After; other addresses are not', async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => p.request('GET', '/v1/audit/events', { token: `ak_unknown_${i}` })),
  );
  const statuses = results.map((r) => r.status);
  const limited = results.filter((r) => r.status === 429);
  assert.ok(limited.length >= 25, `expected most of the burst refused: ${statuses.join(',')}`);
  assert.ok(statuses.every((s) => s === 401 || s === 429));
  assert.ok(statuses.filter((s) => s === 401).length <= 20, 'at most the budget reached authentication');
  for (const r of limited) {
    assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
    const retryAfter = Number(r.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 10, String(retryAfter));
  }
  // The address is refused before its token is checked, whatever the token...
  assert.equal((await p.request('GET', '/v1/audit/events', { token: viewer })).status, 429);
  // ...while another client address is served as usual.
  assert.equal(await getFrom('127.0.0.2', '/v1/audit/events', viewer), 200);
});

test('GET /metrics, which checks its own token, spends the same budget', async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => getFromWithRetry('127.0.0.3', '/metrics', `ak_unknown_${i}`)),
  );
  const statuses = results.map(([status]) => status);
  assert.ok(
    statuses.every((s) => s === 401 || s === 429),
    statuses.join(','),
  );
  assert.ok(statuses.filter((s) => s === 401).length <= 20, statuses.join(','));
  for (const [status, retryAfter] of results) if (status === 429) assert.ok(Number(retryAfter) >= 1);
  assert.equal(await getFrom('127.0.0.3', '/metrics', p.adminToken), 429);
  assert.equal(await getFrom('127.0.0.4', '/metrics', p.adminToken), 200);
});
