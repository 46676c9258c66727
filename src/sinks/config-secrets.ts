import { openSecret, type SecretKeyring, sealSecret } from '../crypto/secrets.js';
import { SECRET_PLACEHOLDER, secretDestinationsOf, secretFieldsOf } from '../domain/sink.js';

/**
 * A sink config as stored: every secret field of its type (domain/sink.ts) is replaced by
 * {"$enc": sealed(JSON of the value)}, so any JSON value (a string, a headers object) can be secret.
 */
export type StoredConfig = Record<string, unknown>;

interface SealedValue {
  $enc: string;
}

function isSealed(v: unknown): v is SealedValue {
  return typeof v === 'object' && v !== null && typeof (v as SealedValue).$enc === 'string';
}

export function sealConfig(
  keyring: SecretKeyring,
  type: string,
  config: Record<string, unknown>,
): StoredConfig {
  const out: StoredConfig = { ...config };
  for (const field of secretFieldsOf(type)) {
    if (out[field] !== undefined && out[field] !== null) {
      out[field] = { $enc: sealSecret(keyring, JSON.stringify(out[field])) };
    }
  }
  return out;
}

export function openConfig(
  keyring: SecretKeyring,
  type: string,
  stored: StoredConfig,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const field of secretFieldsOf(type)) {
    const value = out[field];
    if (isSealed(value)) out[field] = JSON.parse(openSecret(keyring, value.$enc));
  }
  return out;
}

/** The config as every answer shows it: secrets, sealed or not, become "***". */
export function redactConfig(type: string, config: StoredConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const field of secretFieldsOf(type)) {
    if (out[field] !== undefined && out[field] !== null) out[field] = SECRET_PLACEHOLDER;
  }
  return out;
}

/**
 * PATCH semantics for config: keys present replace, null removes, and "***" for a secret field keeps
 * the current value (so a client can send back what it read).
 */
export function mergeConfig(
  type: string,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const secrets = new Set(secretFieldsOf(type));
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (value === SECRET_PLACEHOLDER && secrets.has(key)) continue;
    else out[key] = value;
  }
  return out;
}

/**
 * The stored secrets a PATCH would carry to a new destination: each secret field (present in the
 * current config) one of whose destination fields the patch changes, with the fields that moved, and
 * that the patch does not supply again ("***" does not supply it).
 */
export function secretsLeftBehind(
  type: string,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Array<{ field: string; movedBy: string[] }> {
  const changed = (key: string) =>
    Object.hasOwn(patch, key) &&
    JSON.stringify(patch[key] ?? undefined) !== JSON.stringify(current[key] ?? undefined);
  const out: Array<{ field: string; movedBy: string[] }> = [];
  for (const [field, destinations] of Object.entries(secretDestinationsOf(type))) {
    if (current[field] === undefined || current[field] === null) continue;
    const movedBy = destinations.filter(changed);
    const suppliedAgain = Object.hasOwn(patch, field) && patch[field] !== SECRET_PLACEHOLDER;
    if (movedBy.length > 0 && !suppliedAgain) out.push({ field, movedBy });
  }
  return out;
}
