import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';
import { findActiveApiKeyByHash } from '../db/api-keys.js';
import type { Queryable } from '../db/pool.js';
import { type Caller, Role } from '../domain/caller.js';
import { UnauthorizedError } from '../domain/errors.js';

const API_KEY_PREFIX = 'ak_';

export function generateApiKey(): { key: string; hash: Buffer } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

const JwtClaims = z.object({
  sub: z.string().min(1),
  tenant_id: z.string().min(1),
  role: Role,
  workspace_ids: z.array(z.string().min(1)).nullish(),
});

export interface AuthenticatorOptions {
  db: Queryable;
  adminToken: string;
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
}

export type Authenticator = (token: string) => Promise<Caller>;

/** Turns a bearer token into a caller: the platform token, an API key, or (when configured) a JWT. */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const hmacKey = opts.jwt.secret ? new TextEncoder().encode(opts.jwt.secret) : undefined;
  const jwks = opts.jwt.jwksUrl ? createRemoteJWKSet(new URL(opts.jwt.jwksUrl)) : undefined;
  // A token without an expiry would be a credential forever; issuer and audience when configured.
  const claimChecks = {
    requiredClaims: ['exp'],
    ...(opts.jwt.issuer ? { issuer: opts.jwt.issuer } : {}),
    ...(opts.jwt.audience ? { audience: opts.jwt.audience } : {}),
  };

  async function verifyJwt(token: string): Promise<JWTPayload> {
    const errors: unknown[] = [];
    if (hmacKey) {
      try {
        return (await jwtVerify(token, hmacKey, { algorithms: ['HS256'], ...claimChecks })).payload;
      } catch (err) {
        errors.push(err);
      }
    }
    if (jwks) {
      try {
        return (
          await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'], ...claimChecks })
        ).payload;
      } catch (err) {
        errors.push(err);
      }
    }
    throw new UnauthorizedError('the JWT is not valid');
  }

  return async (token) => {
    if (safeEqual(token, opts.adminToken)) {
      return { kind: 'platform', tenantId: null, workspaceIds: null, role: 'platform', actor: 'platform' };
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await findActiveApiKeyByHash(opts.db, hashApiKey(token));
      if (!key) throw new UnauthorizedError('unknown or revoked API key');
      return {
        kind: 'api_key',
        tenantId: key.tenantId,
        workspaceIds: key.workspaceIds,
        role: key.role,
        actor: key.id,
      };
    }
    if ((hmacKey || jwks) && token.split('.').length === 3) {
      const claims = JwtClaims.safeParse(await verifyJwt(token));
      if (!claims.success) {
        throw new UnauthorizedError('the JWT lacks valid tenant_id, role, sub or workspace_ids claims');
      }
      return {
        kind: 'jwt',
        tenantId: claims.data.tenant_id,
        workspaceIds: claims.data.workspace_ids ?? null,
        role: claims.data.role,
        actor: claims.data.sub,
      };
    }
    throw new UnauthorizedError('unknown bearer token');
  };
}
