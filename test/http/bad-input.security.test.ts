import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiResponse, startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/**
 * Never a 500 for bad input: the four causes an adversarial run found (U+0000 in filters, path ids and
 * names; U+0000 or unpaired surrogates in metadata; metadata nested 10,000 levels; a cursor with year
 * 0000) each answer 400 problem+json naming the field.
 */
let p: TestPlatform;
let admin: string;
let producer: string;
let sinkId: string;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
  admin = await p.createKey({ tenantId: 't_bad', role: 'tenant_admin' });
  producer = await p.createKey({ tenantId: 't_bad', role: 'producer' });
  const sink = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'console', type: 'console', workspaceId: 'w_1', config: {} },
  });
  assert.equal(sink.status, 201);
  sinkId = sink.body.id;
});
after(() => p?.stop());

function assertFieldError(res: ApiResponse, pointer: string | RegExp) {
  assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 400));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, 400);
  const pointers: string[] = (res.body.errors ?? []).map((e: { pointer: string }) => e.pointer);
  assert.ok(
    pointers.some((p) => (typeof pointer === 'string' ? p === pointer : pointer.test(p))),
    `expected an error at ${pointer}, got ${JSON.stringify(res.body.errors).slice(0, 400)}`,
  );
}

describe('U+0000 in a query filter, a path id or a name', () => {
  for (const filter of [
    'actorUserId',
    'actorApiKeyId',
    'resourceType',
    'resourceId',
    'action',
    'workspaceId',
  ]) {
    test(`GET /v1/audit/events?${filter}=a%00b`, async () => {
      assertFieldError(await p.request('GET', `/v1/audit/events?${filter}=a%00b`, { token: admin }), filter);
    });
  }

  test('tenantId=%00 with the platform token, on events, sinks, actions and metrics', async () => {
    for (const path of ['/v1/audit/events', '/v1/audit/sinks', '/v1/audit/actions', '/v1/audit/metrics']) {
      assertFieldError(await p.request('GET', `${path}?tenantId=t%00`), 'tenantId');
    }
  });

  test('a sink id with U+0000, on every sink route', async () => {
    const id = 'snk_%00';
    const json = { 'content-type': 'application/json' };
    for (const [method, path, body] of [
      ['GET', `/v1/audit/sinks/${id}`],
      ['PATCH', `/v1/audit/sinks/${id}`, '{"name":"x"}'],
      ['DELETE', `/v1/audit/sinks/${id}`],
      ['GET', `/v1/audit/sinks/${id}/deliveries`],
      ['POST', `/v1/audit/sinks/${id}/test`],
      ['POST', `/v1/audit/sinks/${id}/replay`, '{"from":"2024-01-01T00:00:00Z"}'],
    ] as const) {
      const res = await p.request(method, path, { token: admin, rawBody: body, headers: body ? json : {} });
      assertFieldError(res, 'sinkId');
    }
  });

  test('an API key id with U+0000', async () => {
    assertFieldError(await p.request('DELETE', '/v1/admin/api-keys/key_%00', { token: admin }), 'id');
  });

  test('a sink name, an API key name and a userAgent with U+0000', async () => {
    assertFieldError(
      await p.request('POST', '/v1/audit/sinks', {
        token: admin,
        body: { name: 'a\u0000b', type: 'console', workspaceId: 'w_1', config: {} },
      }),
      '/name',
    );
    assertFieldError(
      await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { name: '\u0000' } }),
      '/name',
    );
    assertFieldError(
      await p.request('POST', '/v1/admin/api-keys', {
        token: admin,
        body: { role: 'viewer', name: 'k\u0000' },
      }),
      '/name',
    );
    assertFieldError(
      await p.request('POST', '/v1/audit/events', {
        token: producer,
        body: { actorKind: 'user', action: 'bad.input', userAgent: 'curl\u0000' },
      }),
      '/userAgent',
    );
  });
});

describe('metadata that PostgreSQL cannot store', () => {
  const ingest = (metadata: unknown, batch = false) =>
    p.request('POST', '/v1/audit/events', {
      token: producer,
      body: batch
        ? {
            events: [
              { actorKind: 'user', action: 'bad.ok' },
              { actorKind: 'user', action: 'bad.input', metadata },
            ],
          }
        : { actorKind: 'user', action: 'bad.input', metadata },
    });

  test('U+0000 in a value and in a key, at any depth', async () => {
    assertFieldError(await ingest({ a: 'x\u0000' }), '/metadata/a');
    assertFieldError(await ingest({ a: { b: [1, 'x\u0000'] } }), '/metadata/a/b/1');
    assertFieldError(await ingest({ 'k\u0000': 1 }), /^\/metadata\/k/);
    assertFieldError(await ingest({ a: [{ '\u0000': true }] }), /^\/metadata\/a\/0\//);
    assertFieldError(await ingest({ a: { b: 'x\u0000' } }, true), '/events/1/metadata/a/b');
  });

  test('an unpaired surrogate in a value and in a key, at any depth', async () => {
    assertFieldError(await ingest({ a: '\ud800' }), '/metadata/a');
    assertFieldError(await ingest({ a: [[{ b: 'x\udfff' }]] }), '/metadata/a/0/0/b');
    assertFieldError(await ingest({ '\udc00k': 1 }), /^\/metadata\//);
    assertFieldError(await ingest({ a: { '\ud83dx': 1 } }, true), /^\/events\/1\/metadata\/a\//);
    // A surrogate pair is fine.
    assert.equal((await ingest({ emoji: '😀', '😀': 1 })).status, 202);
  });

  test('metadata nested 10,000 levels', async () => {
    const levels = 10_000;
    const raw = `{"actorKind":"user","action":"bad.deep","metadata":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    assertFieldError(res, /^\/metadata\/a/);
    const objects = `{"actorKind":"user","action":"bad.deep","metadata":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
    const res2 = await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: objects,
      headers: { 'content-type': 'application/json' },
    });
    assertFieldError(res2, /^\/metadata\/a/);
  });
});

test('a crafted cursor with year 0000 (or any out-of-range instant, or a bad id)', async () => {
  const cursor = (occurredAt: string, id: string) =>
    Buffer.from(JSON.stringify([occurredAt, id])).toString('base64url');
  for (const c of [
    cursor('0000-01-01T00:00:00.000Z', '01J00000000000000000000000'),
    cursor('0000-12-31T23:59:59.999Z', 'x'),
    cursor('2024-01-01T00:00:00.000Z', 'x\u0000'),
  ]) {
    assertFieldError(await p.request('GET', `/v1/audit/events?cursor=${c}`, { token: admin }), 'cursor');
  }
  // A real cursor still pages.
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (
        await p.request('POST', '/v1/audit/events', {
          token: producer,
          body: { actorKind: 'user', action: 'bad.page' },
        })
      ).status,
      202,
    );
  }
  const first = await p.request('GET', '/v1/audit/events?limit=1&action=bad.page', { token: admin });
  assert.equal(first.status, 200);
  const second = await p.request(
    'GET',
    `/v1/audit/events?limit=1&action=bad.page&cursor=${first.body.nextCursor}`,
    {
      token: admin,
    },
  );
  assert.equal(second.status, 200);
  assert.notEqual(second.body.data[0].id, first.body.data[0].id);
});
