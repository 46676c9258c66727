import { RateLimitedError } from '../domain/errors.js';

/**
 * The sink tests in flight in this process (`POST /v1/audit/sinks/{id}/test`). A test holds no
 * database connection and no publish lock while it waits for the destination, so it is bounded here
 * instead: a few at once per sink and per tenant (429 beyond), and a DELETE, disable, pause or config
 * change of the sink aborts the tests in flight and waits for them to end before it answers (nothing
 * is sent to a sink after such a change answers). A test registers before it reads the sink, and a
 * change sweeps after it commits, so a test either is swept or reads the changed sink.
 */
export interface SinkTestRegistry {
  /** Takes a slot (or throws RateLimitedError); the caller must call `end` when the test is over. */
  begin(tenantId: string, sinkId: string): RunningSinkTest;
  /** Aborts this sink's tests in flight and waits (at most `waitMs`) until they have ended. */
  abortAll(tenantId: string, sinkId: string, waitMs?: number): Promise<void>;
}

export interface RunningSinkTest {
  /** Aborted when the sink changes under the test. */
  readonly signal: AbortSignal;
  end(): void;
}

interface Entry {
  tenantId: string;
  controller: AbortController;
  endsBy: number;
  ended: Promise<void>;
  end: () => void;
}

export function createSinkTestRegistry(limits: {
  perSink: number;
  perTenant: number;
  /** How long a test may last (the Retry-After of a refused one is what is left of the oldest). */
  timeoutMs: number;
}): SinkTestRegistry {
  const bySink = new Map<string, Set<Entry>>();
  const perTenant = new Map<string, number>();
  const sinkKey = (tenantId: string, sinkId: string) => `${tenantId}\u0000${sinkId}`;

  function retryAfter(entries: Iterable<Entry>): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const e of entries) soonest = Math.min(soonest, e.endsBy);
    return Number.isFinite(soonest) ? (soonest - Date.now()) / 1000 : limits.timeoutMs / 1000;
  }

  return {
    begin(tenantId, sinkId) {
      const key = sinkKey(tenantId, sinkId);
      const running = bySink.get(key) ?? new Set<Entry>();
      if (running.size >= limits.perSink) {
        throw new RateLimitedError(
          `${limits.perSink} test(s) of this sink are already running; retry when they end`,
          retryAfter(running),
        );
      }
      const tenantCount = perTenant.get(tenantId) ?? 0;
      if (tenantCount >= limits.perTenant) {
        const ofTenant = [...bySink.values()].flatMap((set) =>
          [...set].filter((e) => e.tenantId === tenantId),
        );
        throw new RateLimitedError(
          `${limits.perTenant} sink tests of this tenant are already running; retry when they end`,
          retryAfter(ofTenant),
        );
      }
      let resolveEnded!: () => void;
      const entry: Entry = {
        tenantId,
        controller: new AbortController(),
        endsBy: Date.now() + limits.timeoutMs,
        ended: new Promise<void>((resolve) => {
          resolveEnded = resolve;
        }),
        end: () => {},
      };
      let open = true;
      entry.end = () => {
        if (!open) return;
        open = false;
        running.delete(entry);
        if (running.size === 0) bySink.delete(key);
        const left = (perTenant.get(tenantId) ?? 1) - 1;
        if (left <= 0) perTenant.delete(tenantId);
        else perTenant.set(tenantId, left);
        resolveEnded();
      };
      running.add(entry);
      bySink.set(key, running);
      perTenant.set(tenantId, tenantCount + 1);
      return { signal: entry.controller.signal, end: entry.end };
    },

    async abortAll(tenantId, sinkId, waitMs = 5_000) {
      const running = bySink.get(sinkKey(tenantId, sinkId));
      if (!running || running.size === 0) return;
      const entries = [...running];
      for (const e of entries) e.controller.abort(new Error('the sink changed while it was being tested'));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(entries.map((e) => e.ended)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
