import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

type KeyName =
  | 'prodA'
  | 'prodB'
  | 'prodA1'
  | 'viewerA'
  | 'viewerA1'
  | 'viewerA12'
  | 'auditorA'
  | 'adminA'
  | 'tadminA'
  | 'tadminB'
  | 'viewerB';

let p: TestPlatform;
const keys = {} as Record<KeyName, string>;

const ev = (workspaceId: string | null, action = 'doc.viewed') => ({
  workspaceId,
  actorKind: 'user',
  action,
});

before(async () => {
  p = await startTestPlatform();
  keys.prodA = await p.createKey({ tenantId: 't_a', role: 'producer' });
  keys.prodB = await p.createKey({ tenantId: 't_b', role: 'producer' });
  keys.prodA1 = await p.createKey({ tenantId: 't_a', role: 'producer', workspaceIds: ['w_a1'] });
  keys.viewerA = await p.createKey({ tenantId: 't_a', role: 'viewer' });
  keys.viewerA1 = await p.createKey({ tenantId: 't_a', role: 'viewer', workspaceIds: ['w_a1'] });
  keys.viewerA12 = await p.createKey({ tenantId: 't_a', role: 'viewer', workspaceIds: ['w_a1', 'w_a2'] });
  keys.auditorA = await p.createKey({ tenantId: 't_a', role: 'auditor' });
  keys.adminA = await p.createKey({ tenantId: 't_a', role: 'admin' });
  keys.tadminA = await p.createKey({ tenantId: 't_a', role: 'tenant_admin' });
  keys.tadminB = await p.createKey({ tenantId: 't_b', role: 'tenant_admin' });
  keys.viewerB = await p.createKey({ tenantId: 't_b', role: 'viewer' });
  for (const [token, body] of [
    [keys.prodA, { events: [ev('w_a1'), ev('w_a2'), ev(null, 'tenant.level')] }],
    [keys.prodB, { events: [ev('w_a1', 'b.secret'), ev(null, 'b.tenant_level')] }],
  ] as const) {
    assert.equal((await p.request('POST', '/v1/audit/events', { token, body })).status, 202);
  }
});
after(() => p.stop());

const get = (qs: string, token: string) => p.request('GET', `/v1/audit/events?${qs}`, { token });
const post = (body: unknown, token: string) => p.request('POST', '/v1/audit/events', { token, body });

describe('authentication', () => {
  test('no token, a malformed header and an unknown token answer 401', async () => {
    const headerSets: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
    ];
    for (const headers of headerSets) {
      const res = await p.request('GET', '/v1/audit/events', { token: null, headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal((await get('', 'ak_not-a-real-key')).status, 401);
    assert.equal((await get('', 'something-else')).status, 401);
  });

  test('a revoked key stops working at once', async () => {
    const created = await p.request('POST', '/v1/admin/api-keys', {
      body: { tenantId: 't_a', role: 'viewer' },
    });
    assert.equal((await get('', created.body.key)).status, 200);
    assert.equal((await p.request('DELETE', `/v1/admin/api-keys/${created.body.id}`)).status, 204);
    assert.equal((await get('', created.body.key)).status, 401);
  });
});

describe('tenant isolation', () => {
  test("another tenant's events are never visible, whatever the scope", async () => {
    for (const qs of ['', 'workspaceId=w_a1', 'action=b.secret']) {
      const res = await get(qs, keys.viewerA);
      assert.equal(res.status, 200);
      assert.ok(
        res.body.data.every((e: any) => e.tenantId === 't_a'),
        qs,
      );
    }
    const star = await get('workspaceId=*&limit=500', keys.tadminA);
    assert.ok(star.body.data.length > 0);
    assert.ok(star.body.data.every((e: any) => e.tenantId === 't_a'));
  });

  test('naming another tenant is forbidden', async () => {
    assert.equal((await get('tenantId=t_b', keys.viewerA)).status, 403);
  });

  test('a forged tenantId on ingest answers 403 and stores nothing', async () => {
    const res = await post({ events: [{ ...ev('w_a1'), tenantId: 't_b', id: 'forged' }] }, keys.prodA);
    assert.equal(res.status, 403);
    const { rows } = await p.db.pool.query("select 1 from audit_events where id = 'forged'");
    assert.equal(rows.length, 0);
  });

  test('a cursor from one tenant reveals nothing in another', async () => {
    const page = await get('workspaceId=w_a1&limit=1', keys.viewerB);
    assert.ok(page.body.data.every((e: any) => e.tenantId === 't_b'));
    const a = await get('workspaceId=*&limit=1', keys.tadminA);
    const b = await get(`workspaceId=*&cursor=${a.body.nextCursor}`, keys.tadminB);
    assert.ok(b.body.data.every((e: any) => e.tenantId === 't_b'));
  });

  test("another tenant's API key id answers 404 to a tenant_admin", async () => {
    const other = await p.request('POST', '/v1/admin/api-keys', {
      body: { tenantId: 't_b', role: 'viewer' },
    });
    const res = await p.request('DELETE', `/v1/admin/api-keys/${other.body.id}`, { token: keys.tadminA });
    assert.equal(res.status, 404);
    assert.equal((await get('', other.body.key)).status, 200, 'still valid');
  });
});

describe('workspace isolation', () => {
  test('a workspace-bound caller sees only its workspace and is 403 elsewhere', async () => {
    const own = await get('', keys.viewerA1);
    assert.equal(own.status, 200);
    assert.ok(own.body.data.length > 0);
    assert.ok(own.body.data.every((e: any) => e.workspaceId === 'w_a1'));
    assert.equal((await get('workspaceId=w_a2', keys.viewerA1)).status, 403);
  });

  test('leaving workspaceId out is a 400 for a caller bound to several', async () => {
    assert.equal((await get('', keys.viewerA12)).status, 400);
    assert.equal((await get('workspaceId=w_a2', keys.viewerA12)).status, 200);
  });

  test('a tenant-wide caller without workspaceId reads the tenant-level events', async () => {
    const res = await get('', keys.viewerA);
    assert.ok(res.body.data.length > 0);
    assert.ok(res.body.data.every((e: any) => e.workspaceId === null));
    assert.ok(res.body.data.some((e: any) => e.action === 'tenant.level'));
  });

  test('a workspace-bound producer cannot write elsewhere, nor at tenant level', async () => {
    assert.equal((await post(ev('w_a2'), keys.prodA1)).status, 403);
    const defaulted = await post({ actorKind: 'user', action: 'a.b', id: 'ws_default' }, keys.prodA1);
    assert.equal(defaulted.status, 202, 'its only workspace is the default');
    const { rows } = await p.db.pool.query("select workspace_id from audit_events where id = 'ws_default'");
    assert.deepEqual(rows, [{ workspace_id: 'w_a1' }]);
  });
});

describe('roles', () => {
  test('a producer cannot read', async () => {
    assert.equal((await get('', keys.prodA)).status, 403);
  });

  for (const role of ['viewerA', 'auditorA', 'adminA', 'tadminA'] as const) {
    test(`${role} can read but cannot ingest`, async () => {
      assert.equal((await get('', keys[role])).status, 200);
      assert.equal((await post(ev('w_a1'), keys[role])).status, 403);
    });
  }

  test('only a tenant-wide tenant_admin may use workspaceId=*', async () => {
    for (const role of ['viewerA', 'auditorA', 'adminA', 'viewerA1'] as const) {
      assert.equal((await get('workspaceId=*', keys[role])).status, 403, role);
    }
    const boundAdmin = await p.createKey({ tenantId: 't_a', role: 'tenant_admin', workspaceIds: ['w_a1'] });
    assert.equal((await get('workspaceId=*', boundAdmin)).status, 403);
  });

  test('workspaceId=* reads every workspace and the tenant level, and is itself audited', async () => {
    const res = await get('workspaceId=*&limit=500', keys.tadminA);
    assert.equal(res.status, 200);
    const workspaces = new Set(res.body.data.map((e: any) => e.workspaceId));
    assert.ok(workspaces.has('w_a1') && workspaces.has('w_a2') && workspaces.has(null));
    const audit = await get('action=audit.cross_workspace_viewed', keys.viewerA);
    assert.ok(audit.body.data.length >= 1);
    const entry = audit.body.data[0];
    assert.equal(entry.tenantId, 't_a');
    assert.equal(entry.workspaceId, null);
    assert.equal(entry.actorKind, 'api_key');
    assert.match(entry.actorApiKeyId, /^key_/);
    const inB = await get('action=audit.cross_workspace_viewed', keys.viewerB);
    assert.ok(
      inB.body.data.every((e: any) => e.actorApiKeyId !== entry.actorApiKeyId),
      "not written into another tenant's log",
    );
  });

  test('only tenant_admin (own tenant) and the platform manage keys', async () => {
    for (const role of ['viewerA', 'adminA', 'prodA'] as const) {
      const res = await p.request('POST', '/v1/admin/api-keys', {
        token: keys[role],
        body: { tenantId: 't_a', role: 'viewer' },
      });
      assert.equal(res.status, 403, role);
    }
    const own = await p.request('POST', '/v1/admin/api-keys', {
      token: keys.tadminA,
      body: { role: 'viewer' },
    });
    assert.equal(own.status, 201);
    assert.equal(own.body.tenantId, 't_a');
    const other = await p.request('POST', '/v1/admin/api-keys', {
      token: keys.tadminA,
      body: { tenantId: 't_b', role: 'viewer' },
    });
    assert.equal(other.status, 403);
    const platformWide = await p.request('POST', '/v1/admin/api-keys', { body: { role: 'viewer' } });
    assert.equal(platformWide.status, 400, 'only producer keys may be platform-wide');
  });

  test('key listings never show a key or its hash, and a tenant_admin lists only its tenant', async () => {
    const res = await p.request('GET', '/v1/admin/api-keys', { token: keys.tadminA });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.length > 0);
    assert.ok(res.body.data.every((k: any) => k.tenantId === 't_a'));
    const text = JSON.stringify(res.body);
    assert.doesNotMatch(text, /ak_|key_hash|keyHash/);
    for (const key of Object.values(keys)) assert.ok(!text.includes(key));
  });

  test('key creation is audited in the tenant log', async () => {
    const res = await get('action=audit.api_key_created&limit=500', keys.viewerA);
    assert.ok(res.body.data.length >= 8);
    assert.doesNotMatch(JSON.stringify(res.body), /ak_/);
  });
});

describe('the platform token', () => {
  test('must name a tenant for reads, and its use is audited in that tenant', async () => {
    assert.equal((await p.request('GET', '/v1/audit/events')).status, 400);
    const res = await p.request('GET', '/v1/audit/events?tenantId=t_b&workspaceId=*');
    assert.equal(res.status, 200);
    assert.ok(res.body.data.every((e: any) => e.tenantId === 't_b'));
    const audit = await get('action=audit.platform_token_used', keys.viewerB);
    assert.ok(audit.body.data.length >= 1);
    assert.equal(audit.body.data[0].actorKind, 'system');
    assert.equal((await get('action=audit.platform_token_used', keys.viewerA)).body.data.length, 0);
  });
});
