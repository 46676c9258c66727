import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Sink secrets at rest: AES-256-GCM under AUDIT_SECRET_KEY.
 *
 * A sealed value is `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The key id is derived from
 * the key itself, so a reader picks the right key without any bookkeeping. Rotation: set
 * AUDIT_SECRET_KEY to `<new>,<old>` (comma-separated, newest first). New values are sealed under the
 * first key; older keys still open what they sealed. A sink is re-sealed under the new key whenever it
 * is updated; once none is left under the old key (see docs/DELIVERY.md), drop it from the list.
 */
export interface SecretKeyring {
  current: { id: string; key: Buffer };
  byId: Map<string, Buffer>;
}

export class SecretKeyError extends Error {}

function keyId(key: Buffer): string {
  return createHash('sha256').update('audit-sink-secret-key').update(key).digest('base64url').slice(0, 8);
}

/** Parses AUDIT_SECRET_KEY: one or more base64 32-byte keys, newest first. */
export function createKeyring(secretKey: string): SecretKeyring {
  const keys = secretKey
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map((k) => Buffer.from(k, 'base64'));
  if (keys.length === 0) throw new SecretKeyError('AUDIT_SECRET_KEY is empty');
  for (const key of keys) {
    if (key.length !== 32) throw new SecretKeyError('AUDIT_SECRET_KEY must hold base64-encoded 32-byte keys');
  }
  const byId = new Map(keys.map((k) => [keyId(k), k] as const));
  return { current: { id: keyId(keys[0]!), key: keys[0]! }, byId };
}

export function sealSecret(keyring: SecretKeyring, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  // The key id is bound as associated data: a value cannot be re-labelled to another key.
  cipher.setAAD(Buffer.from(keyring.current.id));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return ['v1', keyring.current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
}

export function openSecret(keyring: SecretKeyring, sealed: string): string {
  const [version, id, iv, body] = sealed.split('.');
  if (version !== 'v1' || !id || !iv || !body) throw new SecretKeyError('not a sealed secret');
  const key = keyring.byId.get(id);
  if (!key)
    throw new SecretKeyError(`secret sealed under unknown key ${id}; add that key to AUDIT_SECRET_KEY`);
  const data = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

/** The key id a sealed value was sealed under (for rotation reports). */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split('.')[1];
}
