export interface BackoffOptions {
  /** First retry waits up to this long. Default 500 ms. */
  minBackoffMs?: number | undefined;
  /** Retries never wait longer than this (unless the API's Retry-After asks for more). Default 60 s. */
  maxBackoffMs?: number | undefined;
}

/**
 * "Full jitter" exponential backoff: a random wait in [0, min(max, min * 2^attempt)], so relays that
 * failed together do not retry together. A Retry-After from the API is a floor, never shortened.
 */
export function backoffDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const min = options.minBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 60_000;
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  const jittered = Math.max(min / 2, Math.round(random() * ceiling));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
