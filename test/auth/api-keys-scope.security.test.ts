import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** A workspace-bound tenant_admin manages only keys within its workspaces (issue 14, item 4). */

const TENANT = 't_keys';
let p: TestPlatform;
const ids: Record<string, string> = {};
const secrets: Record<string, string> = {};

async function create(name: string, role: string, workspaceIds: string[] | null) {
  const res = await p.request('POST', '/v1/admin/api-keys', {
    body: { tenantId: TENANT, role, workspaceIds, name },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  ids[name] = res.body.id;
  secrets[name] = res.body.key;
}

before(async () => {
  p = await startTestPlatform({}, { worker: false });
  await create('tenantAdmin', 'tenant_admin', null);
  await create('boundAdmin', 'tenant_admin', ['w_1']);
  await create('viewerW1', 'viewer', ['w_1']);
  await create('viewerW2', 'viewer', ['w_2']);
  await create('viewerBoth', 'viewer', ['w_1', 'w_2']);
  await create('viewerTenant', 'viewer', null);
});
after(async () => p?.stop());

const bound = () => secrets.boundAdmin!;

test('the list shows a workspace-bound tenant_admin only the keys within its workspaces', async () => {
  const res = await p.request('GET', '/v1/admin/api-keys', { token: bound() });
  assert.equal(res.status, 200);
  const seen = res.body.data.map((k: { id: string }) => k.id).sort();
  assert.deepEqual(seen, [ids.boundAdmin, ids.viewerW1].sort());
  const all = await p.request('GET', '/v1/admin/api-keys', { token: secrets.tenantAdmin });
  assert.equal(all.body.data.length, 6, 'a tenant-wide tenant_admin sees every key of the tenant');
});

test('it cannot revoke a tenant-wide key, nor a key reaching another workspace, nor create one', async () => {
  for (const name of ['tenantAdmin', 'viewerTenant', 'viewerW2', 'viewerBoth']) {
    const res = await p.request('DELETE', `/v1/admin/api-keys/${ids[name]}`, { token: bound() });
    assert.equal(res.status, 403, name);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  }
  const still = await p.request('GET', '/v1/admin/api-keys', { token: secrets.tenantAdmin });
  assert.equal(still.status, 200, 'the tenant-wide admin key still works');
  assert.ok(still.body.data.every((k: { revokedAt: string | null }) => k.revokedAt === null));
  const own = await p.request('DELETE', `/v1/admin/api-keys/${ids.viewerW1}`, { token: bound() });
  assert.equal(own.status, 204);

  for (const workspaceIds of [null, ['w_2'], ['w_1', 'w_2']]) {
    const res = await p.request('POST', '/v1/admin/api-keys', {
      token: bound(),
      body: { tenantId: TENANT, role: 'tenant_admin', workspaceIds },
    });
    assert.equal(res.status, 403, JSON.stringify(workspaceIds));
  }
  const ok = await p.request('POST', '/v1/admin/api-keys', {
    token: bound(),
    body: { role: 'viewer', workspaceIds: ['w_1'] },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});
