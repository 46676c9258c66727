import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const SECRET = 'test-hs256-secret-that-is-long-enough-0123456789';
let p: TestPlatform;
let jwks: Server;
let rsaPrivate: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function hs256(claims: Record<string, unknown>, secret = SECRET) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
}

before(async () => {
  const pair = await generateKeyPair('RS256');
  rsaPrivate = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const port = (jwks.address() as AddressInfo).port;
  p = await startTestPlatform(
    { AUDIT_JWT_SECRET: SECRET, AUDIT_JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
    { worker: false },
  );
  const producer = await p.createKey({ tenantId: 't_jwt', role: 'producer' });
  await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: {
      events: [
        { workspaceId: 'w_1', actorKind: 'user', action: 'a.b' },
        { workspaceId: 'w_2', actorKind: 'user', action: 'a.b' },
      ],
    },
  });
});
after(async () => {
  await p.stop();
  jwks.close();
});

describe('JWT callers', () => {
  test('an HS256 token yields tenant, workspaces and role from its claims', async () => {
    const token = await hs256({ sub: 'u_42', tenant_id: 't_jwt', role: 'viewer', workspace_ids: ['w_1'] });
    const res = await p.request('GET', '/v1/audit/events', { token });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.length > 0);
    assert.ok(res.body.data.every((e: any) => e.workspaceId === 'w_1' && e.tenantId === 't_jwt'));
    assert.equal((await p.request('GET', '/v1/audit/events?workspaceId=w_2', { token })).status, 403);
  });

  test('a JWKS-signed RS256 token is accepted and its subject is the actor', async () => {
    const token = await new SignJWT({ tenant_id: 't_jwt', role: 'tenant_admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u_admin')
      .setExpirationTime('5m')
      .sign(rsaPrivate);
    const res = await p.request('GET', '/v1/audit/events?workspaceId=*', { token });
    assert.equal(res.status, 200);
    const audit = await p.request('GET', '/v1/audit/events?action=audit.cross_workspace_viewed', { token });
    assert.equal(audit.body.data[0].actorKind, 'user');
    assert.equal(audit.body.data[0].actorUserId, 'u_admin');
  });

  const rejected: Array<[string, () => Promise<string>]> = [
    [
      'a wrong secret',
      () => hs256({ sub: 'u', tenant_id: 't_jwt', role: 'viewer' }, 'another-secret-another-secret-xx'),
    ],
    ['a missing tenant_id', () => hs256({ sub: 'u', role: 'viewer' })],
    ['an unknown role', () => hs256({ sub: 'u', tenant_id: 't_jwt', role: 'superuser' })],
    ['a missing sub', () => hs256({ tenant_id: 't_jwt', role: 'viewer' })],
    [
      'an expired token',
      () =>
        new SignJWT({ sub: 'u', tenant_id: 't_jwt', role: 'viewer' })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(new TextEncoder().encode(SECRET)),
    ],
    [
      'a token without exp',
      () =>
        new SignJWT({ sub: 'u', tenant_id: 't_jwt', role: 'viewer' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt()
          .sign(new TextEncoder().encode(SECRET)),
    ],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ sub: 'u', tenant_id: 't_jwt', role: 'tenant_admin' }),
        ).toString('base64url')}.`,
    ],
  ];
  for (const [name, make] of rejected) {
    test(`${name} answers 401`, async () => {
      const res = await p.request('GET', '/v1/audit/events', { token: await make() });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    });
  }

  test('a JWT cannot reach another tenant', async () => {
    const token = await hs256({ sub: 'u', tenant_id: 't_other', role: 'tenant_admin' });
    const res = await p.request('GET', '/v1/audit/events?workspaceId=*&limit=500', { token });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.every((e: any) => e.tenantId === 't_other'));
  });
});
