import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { startKinesalite, useKinesisEndpoint } from './kinesis-helpers.js';

const TENANT = 't_sec';
const OTHER = 't_other';
const ARN = 'arn:aws:kinesis:eu-west-1:000000000000:stream/sec';
const ROLE = 'arn:aws:iam::123456789012:role/audit-publisher';
const EXTERNAL_ID = 'ext-secret-4b1d9c';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
const keys: Record<string, string> = {};
let sinkA: any;
let sinkB: any;

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  p = await startTestPlatform({ AUDIT_REGION: 'eu-west-1' });
  keys.admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  keys.viewer = await p.createKey({ tenantId: TENANT, role: 'viewer' });
  keys.auditor = await p.createKey({ tenantId: TENANT, role: 'auditor' });
  keys.producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  keys.builderA = await p.createKey({ tenantId: TENANT, role: 'connector_builder', workspaceIds: ['w_a'] });
  keys.otherAdmin = await p.createKey({ tenantId: OTHER, role: 'tenant_admin' });
  const a = await p.request('POST', '/v1/audit/sinks', {
    token: keys.admin,
    body: {
      name: 'A',
      type: 'kinesis',
      workspaceId: 'w_a',
      // Disabled: the role cannot be assumed here, and these tests are about the API.
      enabled: false,
      config: { streamArn: ARN, roleArn: ROLE, externalId: EXTERNAL_ID },
    },
  });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  sinkA = a.body;
  const b = await p.request('POST', '/v1/audit/sinks', {
    token: keys.admin,
    body: { name: 'B', type: 'kinesis', workspaceId: 'w_b', enabled: false, config: { streamArn: ARN } },
  });
  assert.equal(b.status, 201);
  sinkB = b.body;
});
after(async () => {
  await p?.stop();
  await kinesalite?.close();
});

const sinkPaths = (id: string) => [
  ['GET', `/v1/audit/sinks/${id}`],
  ['PATCH', `/v1/audit/sinks/${id}`],
  ['DELETE', `/v1/audit/sinks/${id}`],
  ['GET', `/v1/audit/sinks/${id}/deliveries`],
  ['POST', `/v1/audit/sinks/${id}/test`],
];

test("another tenant's sink answers 404 on every operation", async () => {
  for (const [method, path] of sinkPaths(sinkA.id)) {
    const res = await p.request(method!, path!, {
      token: keys.otherAdmin,
      body: method === 'PATCH' ? { name: 'stolen' } : undefined,
    });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
  }
  const list = await p.request('GET', '/v1/audit/sinks', { token: keys.otherAdmin });
  assert.deepEqual(list.body.data, []);
  const still = await p.request('GET', `/v1/audit/sinks/${sinkA.id}`, { token: keys.admin });
  assert.equal(still.body.name, 'A');
});

test('viewers and auditors read but cannot manage; producers cannot even read', async () => {
  for (const role of ['viewer', 'auditor']) {
    const token = keys[role]!;
    assert.equal((await p.request('GET', '/v1/audit/sinks', { token })).status, 200);
    assert.equal((await p.request('GET', `/v1/audit/sinks/${sinkA.id}`, { token })).status, 200);
    assert.equal((await p.request('GET', `/v1/audit/sinks/${sinkA.id}/deliveries`, { token })).status, 200);
    const create = await p.request('POST', '/v1/audit/sinks', {
      token,
      body: { name: 'x', type: 'kinesis', workspaceId: 'w_a', config: { streamArn: ARN } },
    });
    assert.equal(create.status, 403, role);
    for (const [method, path] of sinkPaths(sinkA.id).filter(([m]) => m !== 'GET')) {
      const res = await p.request(method!, path!, {
        token,
        body: method === 'PATCH' ? { name: 'x' } : undefined,
      });
      assert.equal(res.status, 403, `${role} ${method} ${path}`);
    }
  }
  assert.equal((await p.request('GET', '/v1/audit/sinks', { token: keys.producer })).status, 403);
  assert.equal((await p.request('GET', `/v1/audit/sinks/${sinkA.id}`, { token: keys.producer })).status, 403);
});

test('a workspace-bound caller only touches its own workspaces', async () => {
  const token = keys.builderA!;
  const create = await p.request('POST', '/v1/audit/sinks', {
    token,
    body: { name: 'x', type: 'kinesis', workspaceId: 'w_b', enabled: false, config: { streamArn: ARN } },
  });
  assert.equal(create.status, 403);
  for (const [method, path] of sinkPaths(sinkB.id)) {
    const res = await p.request(method!, path!, {
      token,
      body: method === 'PATCH' ? { name: 'x' } : undefined,
    });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
  const list = await p.request('GET', '/v1/audit/sinks', { token });
  assert.deepEqual(
    list.body.data.map((s: any) => s.id),
    [sinkA.id],
  );
  assert.equal((await p.request('GET', '/v1/audit/sinks?workspaceId=w_b', { token })).status, 403);
  const own = await p.request('PATCH', `/v1/audit/sinks/${sinkA.id}`, {
    token,
    body: { name: 'A by builder' },
  });
  assert.equal(own.status, 200);
  assert.equal(own.body.name, 'A by builder');
});

test('secrets are sealed at rest and "***" in every answer and audit event', async () => {
  assert.deepEqual(sinkA.config, { streamArn: ARN, roleArn: ROLE, externalId: '***' });
  const answers = [
    await p.request('GET', `/v1/audit/sinks/${sinkA.id}`, { token: keys.admin }),
    await p.request('GET', '/v1/audit/sinks', { token: keys.admin }),
    await p.request('PATCH', `/v1/audit/sinks/${sinkA.id}`, { token: keys.admin, body: { name: 'A2' } }),
    await p.request('GET', '/v1/audit/events?workspaceId=w_a&limit=500', { token: keys.admin }),
    await p.request('GET', '/openapi.json', { token: null }),
  ];
  for (const res of answers)
    assert.ok(!JSON.stringify(res.body).includes(EXTERNAL_ID), JSON.stringify(res.body));
  const audit = answers[3]!.body.data.map((e: any) => e.action);
  assert.ok(audit.includes('audit.sink_created') && audit.includes('audit.sink_updated'), audit.join());

  const stored = async () =>
    (await p.db.pool.query('select config from audit_sinks where id = $1', [sinkA.id])).rows[0].config;
  const sealed = await stored();
  assert.ok(!JSON.stringify(sealed).includes(EXTERNAL_ID));
  assert.match(sealed.externalId.$enc, /^v1\.[\w-]{8}\./);

  // Sending back what was read keeps the secret; a new value replaces it; null removes it.
  const kept = await p.request('PATCH', `/v1/audit/sinks/${sinkA.id}`, {
    token: keys.admin,
    body: { config: { streamArn: ARN, roleArn: ROLE, externalId: '***' } },
  });
  assert.equal(kept.status, 200, JSON.stringify(kept.body));
  assert.equal((await stored()).externalId.$enc.split('.')[1], sealed.externalId.$enc.split('.')[1]);
  assert.ok((await stored()).externalId.$enc, 'still set');
  const replaced = await p.request('PATCH', `/v1/audit/sinks/${sinkA.id}`, {
    token: keys.admin,
    body: { config: { externalId: 'another-secret' } },
  });
  assert.equal(replaced.body.config.externalId, '***');
  assert.notEqual((await stored()).externalId.$enc, sealed.externalId.$enc);
  const removed = await p.request('PATCH', `/v1/audit/sinks/${sinkA.id}`, {
    token: keys.admin,
    body: { config: { externalId: null } },
  });
  assert.equal(removed.status, 200);
  assert.equal(removed.body.config.externalId, undefined);
});

test('configs are validated per type, with pointers; never a 500', async () => {
  const bad = [
    [
      { name: 'x', type: 'kinesis', workspaceId: 'w_a', config: { streamArn: 'not-an-arn' } },
      '/config/streamArn',
    ],
    [{ name: 'x', type: 'kinesis', workspaceId: 'w_a', config: {} }, '/config/streamArn'],
    [
      { name: 'x', type: 'kinesis', workspaceId: 'w_a', config: { streamArn: ARN, externalId: 'abc' } },
      '/config/externalId',
    ],
    [{ name: 'x', type: 'kinesis', workspaceId: 'w_a', config: { streamArn: ARN, extra: 1 } }, '/config'],
    [{ name: 'x', type: 'ftp', workspaceId: 'w_a', config: {} }, '/type'],
    [{ type: 'kinesis', workspaceId: 'w_a', config: { streamArn: ARN } }, '/name'],
    [{ name: 'x', type: 'kinesis', config: { streamArn: ARN } }, '/workspaceId'],
    [
      { name: 'x', type: 'kinesis', workspaceId: 'w_a', config: { streamArn: ARN }, filter: { actions: [] } },
      '/filter/actions',
    ],
  ] as const;
  for (const [body, pointer] of bad) {
    const res = await p.request('POST', '/v1/audit/sinks', { token: keys.admin, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.ok(
      res.body.errors.some((e: any) => e.pointer.startsWith(pointer)),
      `${pointer} in ${JSON.stringify(res.body.errors)}`,
    );
  }
  const patch = await p.request('PATCH', `/v1/audit/sinks/${sinkB.id}`, {
    token: keys.admin,
    body: { config: { streamArn: 'nope' } },
  });
  assert.equal(patch.status, 400);
  assert.equal(patch.body.errors[0].pointer, '/config/streamArn');
  const unknownField = await p.request('PATCH', `/v1/audit/sinks/${sinkB.id}`, {
    token: keys.admin,
    body: { type: 's3' },
  });
  assert.equal(unknownField.status, 400);
  const badCursor = await p.request('GET', `/v1/audit/sinks/${sinkB.id}/deliveries?cursor=!!!`, {
    token: keys.admin,
  });
  assert.equal(badCursor.status, 400);
  const disabledTest = await p.request('POST', `/v1/audit/sinks/${sinkB.id}/test`, { token: keys.admin });
  assert.equal(disabledTest.status, 409);
});

test('the platform token names the tenant and is itself audited', async () => {
  const res = await p.request('GET', `/v1/audit/sinks?tenantId=${TENANT}`);
  assert.equal(res.status, 200);
  assert.ok(res.body.data.length >= 2);
  const without = await p.request('GET', '/v1/audit/sinks');
  assert.equal(without.status, 400);
  const events = await p.request('GET', '/v1/audit/events?action=audit.platform_token_used', {
    token: keys.admin,
  });
  assert.ok(events.body.data.some((e: any) => e.metadata.path === '/v1/audit/sinks'));
});

test('deleting is audited and the sink is gone for everyone', async () => {
  const res = await p.request('DELETE', `/v1/audit/sinks/${sinkB.id}`, { token: keys.admin });
  assert.equal(res.status, 204);
  assert.equal((await p.request('GET', `/v1/audit/sinks/${sinkB.id}`, { token: keys.admin })).status, 404);
  assert.equal((await p.request('DELETE', `/v1/audit/sinks/${sinkB.id}`, { token: keys.admin })).status, 404);
  const events = await p.request('GET', '/v1/audit/events?workspaceId=w_b&action=audit.sink_deleted', {
    token: keys.admin,
  });
  assert.equal(events.body.data.length, 1);
  assert.equal(events.body.data[0].resourceId, sinkB.id);
});
