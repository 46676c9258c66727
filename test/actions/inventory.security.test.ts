import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Role } from '../../src/domain/caller.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { actionPath, event, ingest, inventory, waitForCount } from './support.js';

const A = 't_actions_a';
const B = 't_actions_b';
let p: TestPlatform;
const keys: Record<string, Record<Role, string>> = {};

before(async () => {
  // Three segments allowed here (the default, 2, is exercised by the happy-path file).
  p = await startTestPlatform({ AUDIT_ACTION_MAX_SEGMENTS: '3' });
  const roles: Role[] = ['producer', 'viewer', 'auditor', 'connector_builder', 'admin', 'tenant_admin'];
  for (const tenant of [A, B]) {
    keys[tenant] = {} as Record<Role, string>;
    for (const role of roles) keys[tenant]![role] = await p.createKey({ tenantId: tenant, role });
  }
  await ingest(p, keys[A]!.producer, [event('tenant.member.invited'), event('a_only.secret_thing')]);
  await ingest(p, keys[B]!.producer, [event('tenant.member.invited'), event('b_only.thing')]);
  await waitForCount(p, keys[A]!.viewer, 'a_only.secret_thing', 1);
  await waitForCount(p, keys[B]!.viewer, 'b_only.thing', 1);
});
after(() => p.stop());

test('readers: viewer, auditor, connector_builder, admin and tenant_admin read; producer does not', async () => {
  for (const role of ['viewer', 'auditor', 'connector_builder', 'admin', 'tenant_admin'] as Role[]) {
    for (const path of ['/v1/audit/actions', '/v1/audit/actions/canonical']) {
      const res = await p.request('GET', path, { token: keys[A]![role] });
      assert.equal(res.status, 200, `${role} GET ${path}`);
    }
  }
  for (const path of ['/v1/audit/actions', '/v1/audit/actions/canonical']) {
    const res = await p.request('GET', path, { token: keys[A]!.producer });
    assert.equal(res.status, 403, `producer GET ${path}`);
    assert.equal((await p.request('GET', path, { token: null })).status, 401);
    assert.equal((await p.request('GET', path, { token: 'ak_nope' })).status, 401);
  }
});

test('managers: only admin and tenant_admin may PATCH', async () => {
  for (const role of ['producer', 'viewer', 'auditor', 'connector_builder'] as Role[]) {
    const canonical = await p.request('PATCH', actionPath('tenant.member.invited'), {
      token: keys[A]![role],
      body: { canonical: true },
    });
    assert.equal(canonical.status, 403, `${role} PATCH canonical`);
    const tags = await p.request('PATCH', actionPath('tenant.member.invited', '/tags'), {
      token: keys[A]![role],
      body: { tags: ['x'] },
    });
    assert.equal(tags.status, 403, `${role} PATCH tags`);
  }
  const entry = (await inventory(p, keys[A]!.viewer)).find((a) => a.action === 'tenant.member.invited');
  assert.equal(entry?.source, 'discovered', 'refused PATCHes changed nothing');

  const byAdmin = await p.request('PATCH', actionPath('tenant.member.invited'), {
    token: keys[A]!.admin,
    body: { canonical: true },
  });
  assert.equal(byAdmin.status, 200);
  const byTenantAdmin = await p.request('PATCH', actionPath('tenant.member.invited', '/tags'), {
    token: keys[A]!.tenant_admin,
    body: { tags: ['membership'] },
  });
  assert.equal(byTenantAdmin.status, 200);
  assert.deepEqual(byTenantAdmin.body.tags, ['membership']);
});

test('tenant B never sees tenant A actions, and B changes never touch A', async () => {
  const seenByB = (await inventory(p, keys[B]!.viewer)).map((a) => a.action);
  assert.ok(seenByB.includes('b_only.thing'));
  assert.ok(!seenByB.includes('a_only.secret_thing'));

  // Tenant-bound keys cannot name the other tenant.
  const cross = await p.request('GET', `/v1/audit/actions?tenantId=${A}`, { token: keys[B]!.admin });
  assert.equal(cross.status, 403);
  const crossPatch = await p.request('PATCH', `${actionPath('a_only.secret_thing')}?tenantId=${A}`, {
    token: keys[B]!.admin,
    body: { canonical: true },
  });
  assert.equal(crossPatch.status, 403);

  // A PATCH in B on a name A uses creates B's own entry; A's stays as it was.
  const inB = await p.request('PATCH', actionPath('a_only.secret_thing'), {
    token: keys[B]!.admin,
    body: { canonical: false },
  });
  assert.equal(inB.status, 200);
  assert.equal(inB.body.count, 0);
  const inA = (await inventory(p, keys[A]!.viewer)).find((a) => a.action === 'a_only.secret_thing');
  assert.equal(inA?.source, 'discovered');
  assert.equal(inA?.count, 1);
  const bTagsOnShared = await p.request('PATCH', actionPath('tenant.member.invited', '/tags'), {
    token: keys[B]!.admin,
    body: { tags: ['b-tag'] },
  });
  assert.equal(bTagsOnShared.status, 200);
  const sharedInA = (await inventory(p, keys[A]!.viewer)).find((a) => a.action === 'tenant.member.invited');
  assert.deepEqual(sharedInA?.tags, ['membership']);
  assert.equal(sharedInA?.canonical, true);
  const sharedInB = (await inventory(p, keys[B]!.viewer)).find((a) => a.action === 'tenant.member.invited');
  assert.equal(sharedInB?.canonical, false);
  assert.deepEqual(sharedInB?.tags, ['b-tag']);

  const canonicalB = await p.request('GET', '/v1/audit/actions/canonical', { token: keys[B]!.viewer });
  assert.ok(!canonicalB.body.data.some((a: any) => a.action === 'tenant.member.invited'));

  // B's changes are audited in B's log, not A's.
  const auditA = await p.request('GET', '/v1/audit/events?action=audit.action_canonical_changed', {
    token: keys[A]!.viewer,
  });
  assert.ok(!auditA.body.data.some((e: any) => e.resourceId === 'a_only.secret_thing'));
  const auditB = await p.request('GET', '/v1/audit/events?action=audit.action_canonical_changed', {
    token: keys[B]!.viewer,
  });
  assert.ok(auditB.body.data.some((e: any) => e.resourceId === 'a_only.secret_thing'));
});

test('the platform token names the tenant and reads only that one', async () => {
  const missing = await p.request('GET', '/v1/audit/actions');
  assert.equal(missing.status, 400);
  const res = await p.request('GET', `/v1/audit/actions?tenantId=${B}`);
  assert.equal(res.status, 200);
  // Every read through the platform token writes audit.platform_token_used into B's log, and the
  // rollup folds the platform's audit.* events asynchronously: compare the producers' names.
  const producers = (data: Array<{ action: string }>) => data.filter((a) => !a.action.startsWith('audit.'));
  assert.deepEqual(producers(res.body.data), producers(await inventory(p, keys[B]!.viewer)));
  const aOnlyInB = res.body.data.find((a: any) => a.action === 'a_only.secret_thing');
  assert.equal(aOnlyInB.count, 0, "B's own pre-registered entry, not A's counts");
});

test('with AUDIT_ACTION_MAX_SEGMENTS=3, three segments are inventoried and manageable, four are not', async () => {
  const three = (await inventory(p, keys[A]!.viewer)).find((a) => a.action === 'tenant.member.invited');
  assert.ok(three, 'a three-segment name is inventoried');
  const four = await p.request('PATCH', actionPath('a.b.c.d'), {
    token: keys[A]!.admin,
    body: { canonical: true },
  });
  assert.equal(four.status, 400);
});
