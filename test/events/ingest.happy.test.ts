import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { WIRE_KEYS } from '../helpers/wire.js';

let p: TestPlatform;
let producer: string;
let reader: string;
before(async () => {
  p = await startTestPlatform();
  producer = await p.createKey({ tenantId: 't_happy', role: 'producer' });
  reader = await p.createKey({ tenantId: 't_happy', role: 'tenant_admin' });
});
after(() => p.stop());

describe('POST /v1/audit/events', () => {
  test('stores a single event exactly as sent and answers 202', async () => {
    const event = {
      id: 'evt_single_1',
      workspaceId: 'w_1',
      occurredAt: '2026-04-28T07:14:55.123Z',
      actorKind: 'user',
      actorUserId: 'u_1',
      actorApiKeyId: null,
      action: 'tenant.member.invited',
      resourceType: 'membership',
      resourceId: 'm_1',
      metadata: { role: 'admin', nested: { a: [1, 2] } },
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
    };
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: event });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { accepted: 1, duplicates: 0, ids: ['evt_single_1'] });

    const read = await p.request('GET', '/v1/audit/events?workspaceId=w_1', { token: reader });
    assert.equal(read.status, 200);
    const stored = read.body.data.find((e: any) => e.id === 'evt_single_1');
    assert.deepEqual(Object.keys(stored), WIRE_KEYS);
    assert.deepEqual(stored, { ...event, tenantId: 't_happy' });
  });

  test('a tenant-bound key may omit tenantId; defaults fill id and occurredAt', async () => {
    const before = Date.now();
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { actorKind: 'system', action: 'job.finished' },
    });
    assert.equal(res.status, 202);
    const [id] = res.body.ids;
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID');
    const read = await p.request('GET', '/v1/audit/events?action=job.finished', { token: reader });
    const e = read.body.data[0];
    assert.equal(e.id, id);
    assert.equal(e.workspaceId, null);
    assert.ok(Date.parse(e.occurredAt) >= before - 1000 && Date.parse(e.occurredAt) <= Date.now() + 1000);
    assert.deepEqual(e.metadata, {});
  });

  test('a batch is stored in one request; offsets are normalized to UTC', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({
      id: `batch_${i}`,
      workspaceId: 'w_batch',
      occurredAt: '2026-05-01T10:00:00.000+02:00',
      actorKind: 'api_key',
      actorApiKeyId: 'k_9',
      action: 'connection_created',
      ip: i % 2 ? '2001:db8::1' : '198.51.100.1',
    }));
    const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
    assert.equal(res.status, 202);
    assert.equal(res.body.accepted, 1000);
    assert.equal(res.body.ids.length, 1000);
    const { rows } = await p.db.pool.query(
      "select count(*)::int as n, min(occurred_at) as at from audit_events where tenant_id = 't_happy' and workspace_id = 'w_batch'",
    );
    assert.equal(rows[0].n, 1000);
    assert.equal(rows[0].at.toISOString(), '2026-05-01T08:00:00.000Z');
  });

  test('re-sending an id stores nothing new and counts it as a duplicate', async () => {
    const body = { id: 'idem_1', actorKind: 'user', action: 'file.deleted', metadata: { v: 1 } };
    const first = await p.request('POST', '/v1/audit/events', { token: producer, body });
    assert.deepEqual(first.body, { accepted: 1, duplicates: 0, ids: ['idem_1'] });
    const again = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: {
        events: [
          { ...body, metadata: { v: 2 } },
          { id: 'idem_2', actorKind: 'user', action: 'file.deleted' },
        ],
      },
    });
    assert.deepEqual(again.body, { accepted: 1, duplicates: 1, ids: ['idem_1', 'idem_2'] });
    const twiceInOneBatch = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: {
        events: [
          { id: 'idem_3', actorKind: 'user', action: 'a' },
          { id: 'idem_3', actorKind: 'user', action: 'a' },
        ],
      },
    });
    assert.deepEqual(twiceInOneBatch.body, { accepted: 1, duplicates: 1, ids: ['idem_3', 'idem_3'] });
    const { rows } = await p.db.pool.query(
      "select metadata from audit_events where tenant_id = 't_happy' and id = 'idem_1'",
    );
    assert.deepEqual(rows, [{ metadata: { v: 1 } }], 'the first write wins');
  });

  test('the same id in two tenants is two events', async () => {
    const other = await p.createKey({ tenantId: 't_happy_2', role: 'producer' });
    const body = { id: 'shared_id', actorKind: 'user', action: 'x.y' };
    assert.equal((await p.request('POST', '/v1/audit/events', { token: producer, body })).body.accepted, 1);
    assert.equal((await p.request('POST', '/v1/audit/events', { token: other, body })).body.accepted, 1);
  });

  test('names that break the convention are stored like any other', async () => {
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { actorKind: 'user', action: 'User Logged-In (legacy)!' },
    });
    assert.equal(res.status, 202);
    const read = await p.request(
      'GET',
      `/v1/audit/events?action=${encodeURIComponent('User Logged-In (legacy)!')}`,
      {
        token: reader,
      },
    );
    assert.equal(read.body.data.length, 1);
  });

  test('a platform-wide producer key writes to the tenant each event names', async () => {
    const platformProducer = await p.createKey({ role: 'producer' });
    const res = await p.request('POST', '/v1/audit/events', {
      token: platformProducer,
      body: {
        events: [
          { tenantId: 't_pw_a', actorKind: 'system', action: 'a.b' },
          { tenantId: 't_pw_b', actorKind: 'system', action: 'a.b' },
        ],
      },
    });
    assert.equal(res.status, 202);
    const { rows } = await p.db.pool.query(
      "select tenant_id from audit_events where tenant_id like 't_pw_%' order by tenant_id",
    );
    assert.deepEqual(
      rows.map((r) => r.tenant_id),
      ['t_pw_a', 't_pw_b'],
    );
  });
});

describe('operations endpoints', () => {
  test('healthz and readyz need no token', async () => {
    assert.equal((await p.request('GET', '/healthz', { token: null })).status, 200);
    const ready = await p.request('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: 'ok', temporal: 'ok' });
  });

  test('the OpenAPI 3.1 document lists the event operations and /docs serves a browser', async () => {
    const doc = await p.request('GET', '/openapi.json', { token: null });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/v1/audit/events'].post);
    assert.ok(doc.body.paths['/v1/audit/events'].get);
    assert.ok(doc.body.paths['/v1/admin/api-keys'].post);
    assert.ok(doc.body.components.schemas.AuditEvent);
    const docs = await p.request('GET', '/docs', { token: null });
    assert.equal(docs.status, 200);
    assert.match(String(docs.body), /swagger/i);
  });
});

describe('the store', () => {
  test('a batch of 500 costs one round trip to the database', async () => {
    const { ingestEvents } = await import('../../src/events/store.js');
    let queries = 0;
    let checkouts = 0;
    const pool = p.db.pool;
    const counting = new Proxy(pool, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'query' && prop !== 'connect') return value;
        return (...args: unknown[]) => {
          if (prop === 'query') queries++;
          else checkouts++;
          return value.apply(target, args);
        };
      },
    });
    const caller = {
      kind: 'api_key',
      tenantId: 't_rt',
      workspaceIds: null,
      role: 'producer',
      actor: 'key_x',
    } as const;
    const events = Array.from({ length: 500 }, (_, i) => ({
      actorKind: 'user' as const,
      action: `a.b${i % 3}`,
    }));
    const result = await ingestEvents({ pool: counting, actionMaxSegments: 2 }, caller, events, '/events');
    assert.equal(result.accepted, 500);
    assert.equal(queries, 1);
    assert.equal(checkouts, 0, 'no transaction needed for one statement');
  });
});
