import { RateLimitedError, UnauthorizedError } from '../domain/errors.js';

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

/**
 * Failed authentications per client address, counted in fixed windows (per process), checked before a
 * token is looked at: an address that used up its failures answers 429 without costing a database
 * lookup until its window ends, whatever token it sends (a valid one cannot be told apart before it is
 * checked). A burst is bounded too: the authentications in flight count against the budget as if
 * they were failing (at most `max` at once), so a burst of unknown keys costs at most `max` lookups
 * per window. Off when max is 0.
 */
export function createAuthFailureLimiter(
  opts: { max: number; windowMs: number },
  now: () => number = () => performance.now(),
) {
  const windows = new Map<string, { failures: number; endsAt: number }>();
  const inFlight = new Map<string, number>();

  function current(address: string, t: number) {
    const w = windows.get(address);
    return w && w.endsAt > t ? w : null;
  }

  function recordFailure(address: string): void {
    const t = now();
    const w = current(address, t);
    if (w) {
      w.failures += 1;
      return;
    }
    if (windows.size >= 100_000) {
      for (const [key, old] of windows) if (old.endsAt <= t) windows.delete(key);
      if (windows.size >= 100_000) windows.clear();
    }
    windows.set(address, { failures: 1, endsAt: t + opts.windowMs });
  }

  /** Takes an attempt for `address` (429 when it may not try now); `end(failed)` gives it back. */
  function begin(address: string): (failed: boolean) => void {
    if (opts.max <= 0) return () => {};
    const t = now();
    const w = current(address, t);
    if (w && w.failures >= opts.max) {
      throw new RateLimitedError(
        'too many failed authentications from this address; retry later',
        (w.endsAt - t) / 1000,
      );
    }
    // Those in flight may all fail: together with the failures so far they stay within the budget.
    const pending = inFlight.get(address) ?? 0;
    if (pending + (w?.failures ?? 0) >= opts.max) {
      throw new RateLimitedError('too many authentications from this address at once; retry later', 1);
    }
    inFlight.set(address, pending + 1);
    let open = true;
    return (failed) => {
      if (!open) return;
      open = false;
      const left = (inFlight.get(address) ?? 1) - 1;
      if (left <= 0) inFlight.delete(address);
      else inFlight.set(address, left);
      if (failed) recordFailure(address);
    };
  }

  return {
    begin,
    /** Authenticates on behalf of `address`: 429 when it may not try now, a 401 counts as a failure. */
    async authenticate<T>(address: string, authenticate: () => Promise<T>): Promise<T> {
      const end = begin(address);
      try {
        const caller = await authenticate();
        end(false);
        return caller;
      } catch (err) {
        end(err instanceof UnauthorizedError);
        throw err;
      }
    },
  };
}

/**
 * At most `max` operations at once per key (a tenant): the ones that may wait on a sink's publish lock
 * hold a pool connection meanwhile, so one tenant's pile of them must not take the pool from the others.
 */
export function createConcurrencyLimiter(max: number, what: string) {
  const counts = new Map<string, number>();
  return {
    /** Takes a slot or throws RateLimitedError; call the returned function once done. */
    enter(key: string): () => void {
      const n = counts.get(key) ?? 0;
      if (n >= max) throw new RateLimitedError(`${max} ${what} of this tenant are already in progress`, 1);
      counts.set(key, n + 1);
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        const left = (counts.get(key) ?? 1) - 1;
        if (left <= 0) counts.delete(key);
        else counts.set(key, left);
      };
    },
  };
}
