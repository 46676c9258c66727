import { RateLimitedError } from '../domain/errors.js';

/**
 * A per-credential token bucket held in memory (per process). Off when the rate is 0.
 * Burst capacity is one second's worth of requests.
 */
export function createRateLimiter(perSecond: number, now: () => number = () => performance.now()) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string): void {
      if (perSecond <= 0) return;
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: perSecond, at: t };
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      if (bucket.tokens < 1) {
        buckets.set(key, bucket);
        throw new RateLimitedError(
          'rate limit exceeded for this credential',
          (1 - bucket.tokens) / perSecond,
        );
      }
      bucket.tokens -= 1;
      buckets.set(key, bucket);
      if (buckets.size > 100_000) buckets.clear();
    },
  };
}
