import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { WIRE_KEYS } from '../helpers/wire.js';

// A producer may claim any actor and any name (SPEC: names are never dropped), so the platform records
// which credential submitted each event and shows it to readers who ask: include=provenance.
const T = 't_prov';
const SECRET = 'provenance-test-hs256-secret-long-enough-0123456789';
const SPEC_KEYS: readonly string[] = WIRE_KEYS;

let p: TestPlatform;
let producerKey: string;
let producerKeyId: string;
let admin: string;

before(async () => {
  p = await startTestPlatform({ AUDIT_JWT_SECRET: SECRET }, { worker: false });
  const created = await p.request('POST', '/v1/admin/api-keys', { body: { tenantId: T, role: 'producer' } });
  assert.equal(created.status, 201);
  producerKey = created.body.key;
  producerKeyId = created.body.id;
  admin = await p.createKey({ tenantId: T, role: 'tenant_admin' });
});
after(() => p.stop());

async function read(query: string) {
  const res = await p.request('GET', `/v1/audit/events?tenantId=${T}&workspaceId=*&limit=500&${query}`, {
    token: admin,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<Record<string, any>>;
}

test("a producer's forged audit.* event is stored, with the producer's key as its provenance", async () => {
  const forged = {
    id: 'forged_revoke',
    actorKind: 'system',
    actorUserId: 'platform',
    actorApiKeyId: 'key_somebody_else',
    action: 'audit.api_key_revoked',
  };
  const res = await p.request('POST', '/v1/audit/events', { token: producerKey, body: forged });
  assert.equal(res.status, 202);

  // The wire object is what the producer sent; the provenance tells it apart.
  const [event] = (await read('include=provenance&action=audit.api_key_revoked')).filter(
    (e) => e.id === 'forged_revoke',
  );
  assert.ok(event);
  assert.equal(event.actorKind, 'system');
  assert.equal(event.actorUserId, 'platform');
  assert.deepEqual(event.provenance, { kind: 'api_key', keyId: producerKeyId, subject: null });
  assert.deepEqual(Object.keys(event), [...SPEC_KEYS, 'provenance'], 'provenance comes after the SPEC keys');
});

test("the platform's own events say so: audit.api_key_created, audit.sink_created", async () => {
  const sink = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'prov', type: 'console', workspaceId: 'w_prov' },
  });
  assert.equal(sink.status, 201, JSON.stringify(sink.body));
  const events = await read('include=provenance&action=audit.*');
  const created = events.filter((e) => e.action === 'audit.sink_created');
  assert.equal(created.length, 1);
  assert.deepEqual(created[0]!.provenance, { kind: 'platform', keyId: null, subject: null });
  // The actor is still the admin key that asked for the change.
  assert.equal(created[0]!.actorKind, 'api_key');
  const keyCreated = events.filter((e) => e.action === 'audit.api_key_created');
  assert.ok(keyCreated.length >= 2);
  for (const e of keyCreated) assert.equal(e.provenance.kind, 'platform');
});

test('the platform token and a JWT are recorded as such', async () => {
  const byToken = await p.request('POST', '/v1/audit/events', {
    body: { id: 'by_token', tenantId: T, actorKind: 'user', action: 'prov.token' },
  });
  assert.equal(byToken.status, 202);
  const jwt = await new SignJWT({ sub: 'u_prov', tenant_id: T, role: 'producer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  const byJwt = await p.request('POST', '/v1/audit/events', {
    token: jwt,
    body: { id: 'by_jwt', actorKind: 'api_key', actorApiKeyId: 'key_claimed', action: 'prov.jwt' },
  });
  assert.equal(byJwt.status, 202, JSON.stringify(byJwt.body));
  const events = await read('include=provenance&action=prov.*');
  const by = Object.fromEntries(events.map((e) => [e.id, e.provenance]));
  assert.deepEqual(by.by_token, { kind: 'platform_token', keyId: null, subject: null });
  assert.deepEqual(by.by_jwt, { kind: 'jwt', keyId: null, subject: 'u_prov' });
  const used = (await read('include=provenance&action=audit.platform_token_used')).at(0);
  assert.equal(used?.provenance.kind, 'platform');
});

test('events stored before provenance was recorded read as unknown', async () => {
  // As a row written before migration 008: no provenance columns set.
  await p.db.pool.query(
    `insert into audit_events (tenant_id, id, occurred_at, actor_kind, action, action_valid)
     values ($1::text, 'from_before', now(), 'user', 'prov.old', true)`,
    [T],
  );
  const [event] = await read('include=provenance&action=prov.old');
  assert.deepEqual(event?.provenance, { kind: 'unknown', keyId: null, subject: null });
});

test('without include=provenance every event is exactly the SPEC wire object', async () => {
  const events = await read('');
  assert.ok(events.length >= 5);
  for (const e of events) assert.deepEqual(Object.keys(e), SPEC_KEYS, e.id);
});

test('an unknown include value is a 400 problem', async () => {
  const res = await p.request('GET', `/v1/audit/events?tenantId=${T}&include=secrets`, { token: admin });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
});

test('the OpenAPI document declares include=provenance and the Provenance schema', async () => {
  const doc = (await p.request('GET', '/openapi.json')).body;
  const params = doc.paths['/v1/audit/events'].get.parameters as Array<{ name: string; schema: any }>;
  assert.deepEqual(params.find((x) => x.name === 'include')?.schema.enum, ['provenance']);
  assert.deepEqual(Object.keys(doc.components.schemas.Provenance.properties), ['kind', 'keyId', 'subject']);
});
