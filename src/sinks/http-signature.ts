import { createHmac } from 'node:crypto';

/**
 * The signature of an http sink's request, Stripe-style so receivers know the shape:
 *
 *   X-Audit-Timestamp: 1767225600
 *   X-Audit-Signature: t=1767225600,v1=<hex HMAC-SHA256(secret, "1767225600." + body)>
 *
 * During a secret rotation there is one v1 per valid secret (new first), and a receiver accepts the
 * request when any of them matches the secret it knows. The timestamp is in the signed text, so a
 * receiver that rejects old timestamps (e.g. > 5 minutes) also rejects replays.
 */
export const SIGNATURE_HEADER = 'x-audit-signature';
export const TIMESTAMP_HEADER = 'x-audit-timestamp';

export function signBody(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export function signatureHeader(secrets: string[], timestamp: number, body: string | Buffer): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${signBody(s, timestamp, body)}`)].join(',');
}
