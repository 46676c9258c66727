import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let p: TestPlatform;
let producer: string;
before(async () => {
  p = await startTestPlatform();
  producer = await p.createKey({ tenantId: 't_err', role: 'producer' });
});
after(() => p.stop());

const valid = { actorKind: 'user', action: 'doc.viewed' };

async function storedCount(): Promise<number> {
  // The platform's own records (audit.api_key_created…) are not what these tests send.
  const { rows } = await p.db.pool.query(
    "select count(*)::int as n from audit_events where tenant_id = 't_err' and action not like 'audit.%'",
  );
  return rows[0].n;
}

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.type, 'string');
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.detail, 'string');
  assert.doesNotMatch(JSON.stringify(res.body), /at .*\.(ts|js):\d+/, 'no stack trace');
}

describe('bad input answers 4xx problem+json and stores nothing', () => {
  const cases: Array<[string, unknown, string]> = [
    ['missing actorKind', { action: 'a' }, '/actorKind'],
    ['unknown actorKind', { actorKind: 'robot', action: 'a' }, '/actorKind'],
    ['empty action', { actorKind: 'user', action: '' }, '/action'],
    ['action over 200 chars', { actorKind: 'user', action: 'a'.repeat(201) }, '/action'],
    ['control character in action', { actorKind: 'user', action: 'a\u0007b' }, '/action'],
    ['newline in action', { actorKind: 'user', action: 'a\nb' }, '/action'],
    ['action of the wrong type', { actorKind: 'user', action: 42 }, '/action'],
    ['id with forbidden characters', { ...valid, id: 'a b' }, '/id'],
    ['id over 64 chars', { ...valid, id: 'x'.repeat(65) }, '/id'],
    ['occurredAt without offset', { ...valid, occurredAt: '2026-04-28T07:14:55' }, '/occurredAt'],
    ['occurredAt garbage', { ...valid, occurredAt: 'yesterday' }, '/occurredAt'],
    ['occurredAt impossible date', { ...valid, occurredAt: '2026-02-31T00:00:00Z' }, '/occurredAt'],
    [
      'occurredAt past year 9999 in UTC',
      { ...valid, occurredAt: '9999-12-31T23:30:00-01:00' },
      '/occurredAt',
    ],
    [
      'occurredAt before year 0001 in UTC',
      { ...valid, occurredAt: '0001-01-01T00:30:00+01:00' },
      '/occurredAt',
    ],
    ['invalid IPv4', { ...valid, ip: '256.1.1.1' }, '/ip'],
    ['invalid IPv6', { ...valid, ip: '2001:db8:::1' }, '/ip'],
    ['ip with a port', { ...valid, ip: '10.0.0.1:80' }, '/ip'],
    ['metadata not an object', { ...valid, metadata: [1, 2] }, '/metadata'],
    ['metadata over 16 KiB', { ...valid, metadata: { blob: 'x'.repeat(16 * 1024) } }, '/metadata'],
    ['userAgent over 1024 chars', { ...valid, userAgent: 'u'.repeat(1025) }, '/userAgent'],
    ['unknown field', { ...valid, severity: 'high' }, '/'],
    ['workspaceId of the wrong type', { ...valid, workspaceId: 7 }, '/workspaceId'],
  ];
  for (const [name, body, pointer] of cases) {
    test(name, async () => {
      const res = await p.request('POST', '/v1/audit/events', { token: producer, body });
      assertProblem(res, 400);
      assert.ok(
        res.body.errors.some((e: any) => e.pointer.startsWith(pointer)),
        `expected an error at ${pointer}: ${JSON.stringify(res.body.errors)}`,
      );
    });
  }

  test('malformed JSON', async () => {
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: '{"actorKind": "user",',
      headers: { 'content-type': 'application/json' },
    });
    assertProblem(res, 400);
  });

  test('a JSON array, string or null body', async () => {
    for (const raw of ['[]', '"event"', 'null', '42']) {
      const res = await p.request('POST', '/v1/audit/events', {
        token: producer,
        rawBody: raw,
        headers: { 'content-type': 'application/json' },
      });
      assertProblem(res, 400);
    }
  });

  test('wrong content type answers 415', async () => {
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: JSON.stringify(valid),
      headers: { 'content-type': 'text/plain' },
    });
    assertProblem(res, 415);
  });

  test('an empty batch and a batch of 1001', async () => {
    assertProblem(
      await p.request('POST', '/v1/audit/events', { token: producer, body: { events: [] } }),
      400,
    );
    const big = Array.from({ length: 1001 }, () => valid);
    assertProblem(
      await p.request('POST', '/v1/audit/events', { token: producer, body: { events: big } }),
      400,
    );
  });

  test('a body over 5 MiB answers 413', async () => {
    const events = Array.from({ length: 400 }, () => ({ ...valid, metadata: { blob: 'x'.repeat(15_000) } }));
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assertProblem(res, 413);
  });

  test('one invalid event rejects the whole batch with per-index errors', async () => {
    const before = await storedCount();
    const events = [valid, valid, { ...valid, ip: 'not-an-ip' }, valid, { actorKind: 'user' }];
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assertProblem(res, 400);
    const pointers = res.body.errors.map((e: any) => e.pointer).sort();
    assert.deepEqual(pointers, ['/events/2/ip', '/events/4/action']);
    assert.equal(await storedCount(), before, 'nothing stored');
  });

  test('nothing of the matrix above was stored', async () => {
    assert.equal(await storedCount(), 0);
  });
});

describe('query parameters', () => {
  const bad = [
    'limit=0',
    'limit=501',
    'limit=ten',
    'cursor=not-a-cursor',
    `cursor=${Buffer.from('["x"]').toString('base64url')}`,
    'from=yesterday',
    'to=2026-13-01T00:00:00Z',
    'actorKind=robot',
  ];
  for (const qs of bad) {
    test(`GET /v1/audit/events?${qs} answers 400`, async () => {
      const reader = await p.createKey({ tenantId: 't_err', role: 'viewer' });
      assertProblem(await p.request('GET', `/v1/audit/events?${qs}`, { token: reader }), 400);
    });
  }
});

describe('unknown routes and methods', () => {
  test('an unknown path is a 404 problem', async () => {
    assertProblem(await p.request('GET', '/v1/nothing-here', { token: producer }), 404);
    assertProblem(await p.request('GET', '/nothing', { token: null }), 404);
  });
});
