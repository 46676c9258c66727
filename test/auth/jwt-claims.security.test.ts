import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** With AUDIT_JWT_ISSUER and AUDIT_JWT_AUDIENCE set, a JWT must name both (issue 14, item 10). */

const SECRET = 'test-hs256-secret-that-is-long-enough-0123456789';
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'audit-platform';
let p: TestPlatform;

before(async () => {
  p = await startTestPlatform(
    { AUDIT_JWT_SECRET: SECRET, AUDIT_JWT_ISSUER: ISSUER, AUDIT_JWT_AUDIENCE: AUDIENCE },
    { worker: false },
  );
});
after(async () => p?.stop());

function token(claims: { iss?: string; aud?: string | string[]; exp?: boolean }) {
  const jwt = new SignJWT({ sub: 'u_1', tenant_id: 't_iss', role: 'viewer' }).setProtectedHeader({
    alg: 'HS256',
  });
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  if (claims.exp !== false) jwt.setExpirationTime('5m');
  return jwt.sign(new TextEncoder().encode(SECRET));
}

const read = async (t: string) => (await p.request('GET', '/v1/audit/events', { token: t })).status;

test('a JWT from the configured issuer for the configured audience is accepted', async () => {
  assert.equal(await read(await token({ iss: ISSUER, aud: AUDIENCE })), 200);
  assert.equal(await read(await token({ iss: ISSUER, aud: ['other', AUDIENCE] })), 200);
});

test('another issuer, another audience, or a missing claim answers 401', async () => {
  const cases: Record<string, Parameters<typeof token>[0]> = {
    'another issuer': { iss: 'https://evil.example.com/', aud: AUDIENCE },
    'no issuer': { aud: AUDIENCE },
    'another audience': { iss: ISSUER, aud: 'some-other-api' },
    'no audience': { iss: ISSUER },
    'no expiry': { iss: ISSUER, aud: AUDIENCE, exp: false },
  };
  for (const [name, claims] of Object.entries(cases)) {
    assert.equal(await read(await token(claims)), 401, name);
  }
});
