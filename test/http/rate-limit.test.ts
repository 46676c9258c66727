import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let p: TestPlatform;
before(async () => {
  p = await startTestPlatform({ AUDIT_RATE_LIMIT_PER_SECOND: '3' }, { worker: false });
});
after(() => p?.stop());

test('a credential over its rate answers 429 problem+json with Retry-After; others are unaffected', async () => {
  const hot = await p.createKey({ tenantId: 't_rl', role: 'viewer' });
  const calm = await p.createKey({ tenantId: 't_rl', role: 'viewer' });
  const statuses: number[] = [];
  let limited: { status: number; headers: Headers; body: any } | undefined;
  for (let i = 0; i < 8; i++) {
    const res = await p.request('GET', '/v1/audit/events', { token: hot });
    statuses.push(res.status);
    if (res.status === 429) limited ??= res;
  }
  assert.ok(statuses.filter((s) => s === 200).length >= 3, statuses.join());
  assert.ok(limited, `some requests are limited: ${statuses.join()}`);
  assert.match(limited.headers.get('content-type') ?? '', /application\/problem\+json/);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(limited.body.status, 429);
  assert.equal((await p.request('GET', '/v1/audit/events', { token: calm })).status, 200);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(
    (await p.request('GET', '/v1/audit/events', { token: hot })).status,
    200,
    'the bucket refills',
  );
});
