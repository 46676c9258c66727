import type { Queryable } from '../db/pool.js';
import { listSinksToWake, type WakeTarget } from '../db/sinks.js';
import type { Logger } from '../logger.js';
import type { SinkWorkflowControl, SinkWorkflowRef } from './workflow-control.js';

/** The key of a workspace's cached sink lookup. */
function workspaceKey(tenantId: string, workspaceId: string): string {
  return `${tenantId}\u0000${workspaceId}`;
}

/** A sink to wake, and until when (local clock) a delivery activity is known to be draining it. */
interface CachedTarget extends WakeTarget {
  drainingUntil: number;
}

export interface SinkWaker {
  /** After an ingest commits: wake the sinks that follow the events' workspaces. Never throws. */
  eventsStored(events: ReadonlyArray<{ tenantId: string; workspaceId: string | null }>): void;
  /** A sink of this workspace changed here: forget the cached lookup now rather than at expiry. */
  forget(tenantId: string, workspaceId: string): void;
  /**
   * Telling this sink's workflow of a change failed (Temporal unreachable): it is told as soon as
   * Temporal answers again, like a failed wake-up.
   */
  changeUndelivered(sink: SinkWorkflowRef): void;
  /** How many sinks are owed a signal that could not be sent yet. */
  readonly owed: number;
  stop(): void;
}

export interface SinkWakerOptions {
  pool: Queryable;
  control: Pick<SinkWorkflowControl, 'wake'> & Partial<Pick<SinkWorkflowControl, 'changed'>>;
  logger: Logger;
  /** At most one wake signal per sink per this many ms (leading edge, then one trailing signal). */
  debounceMs?: number;
  /** How long the answer to "which sinks follow this workspace" is reused (less when a drain lease it saw ends sooner). */
  cacheTtlMs?: number;
  /** While signals are owed, how often one is tried again (Temporal's return is noticed within this). */
  retryOwedMs?: number;
}

/**
 * Turns ingest into wake-up signals, coalesced: a burst of POSTs to one workspace costs each of its
 * sinks one signal right away and at most one more per debounce window, however many requests arrive.
 * Ingest never waits for them. A signal that cannot be sent (Temporal down) is owed: the sink is
 * remembered, one owed signal is tried again every retryOwedMs, and once one goes through every owed
 * sink is signalled, so delivery resumes within moments of Temporal's return rather than at the
 * workflows' fallback timer.
 */
export function createSinkWaker(opts: SinkWakerOptions): SinkWaker {
  const debounceMs = opts.debounceMs ?? 200;
  const cacheTtlMs = opts.cacheTtlMs ?? 1000;
  const lookups = new Map<string, { until: number; targets: Promise<CachedTarget[]> }>();
  const perSink = new Map<string, { lastSentAt: number; timer?: NodeJS.Timeout }>();
  let stopped = false;

  function send(tenantId: string, target: WakeTarget) {
    signal({ tenantId, ...target }, 'wake');
    // The woken activity takes the drain lease within moments: look again before the trailing signal
    // is due, so that it is cancelled (below) rather than sent to a sink already being drained.
    const lookup = lookups.get(workspaceKey(tenantId, target.workspaceId));
    if (lookup) lookup.until = Math.min(lookup.until, Date.now() + debounceMs / 2);
  }

  /** Sinks whose signal failed, by tenant and sink id; 'changed' also retries a config error. */
  const owed = new Map<string, { sink: SinkWorkflowRef; kind: 'wake' | 'changed' }>();
  const retryOwedMs = opts.retryOwedMs ?? 1000;
  let retryTimer: NodeJS.Timeout | undefined;
  let retrying = false;

  function attempt(sink: SinkWorkflowRef, kind: 'wake' | 'changed'): Promise<void> {
    return kind === 'changed' && opts.control.changed ? opts.control.changed(sink) : opts.control.wake(sink);
  }

  /** Sends a signal now; a failure is owed and sent again once Temporal answers. */
  function signal(sink: SinkWorkflowRef, kind: 'wake' | 'changed') {
    const key = `${sink.tenantId}\u0000${sink.id}`;
    attempt(sink, kind).then(
      () => {
        if (owed.get(key)?.kind === 'wake' || kind === 'changed') owed.delete(key);
      },
      (err: unknown) => {
        if (owed.size === 0)
          opts.logger.warn(
            { err, tenantId: sink.tenantId, sinkId: sink.id },
            'sink wake-up failed; owed until Temporal answers',
          );
        owe(sink, kind);
      },
    );
  }

  function owe(sink: SinkWorkflowRef, kind: 'wake' | 'changed') {
    if (stopped) return;
    const key = `${sink.tenantId}\u0000${sink.id}`;
    const before = owed.get(key);
    owed.set(key, { sink, kind: before?.kind === 'changed' ? 'changed' : kind });
    scheduleRetry();
  }

  function scheduleRetry() {
    if (stopped || retrying || retryTimer || owed.size === 0) return;
    retryTimer = setTimeout(retryOwed, retryOwedMs);
    retryTimer.unref();
  }

  /** One owed signal at a time while Temporal does not answer; all of them once one goes through. */
  async function retryOwed() {
    retryTimer = undefined;
    const first = owed.entries().next().value;
    if (stopped || !first) return;
    const [key, { sink, kind }] = first;
    owed.delete(key);
    retrying = true;
    try {
      await attempt(sink, kind);
    } catch {
      retrying = false;
      owe(sink, kind);
      return;
    }
    retrying = false;
    const rest = [...owed.values()];
    owed.clear();
    opts.logger.info({ sinks: rest.length + 1 }, 'Temporal answers again; owed sink wake-ups sent');
    for (const o of rest) signal(o.sink, o.kind);
  }

  function wake(tenantId: string, target: CachedTarget) {
    const now = Date.now();
    const key = `${tenantId}\u0000${target.id}`;
    let state = perSink.get(key);
    // An activity holds the sink's drain lease: it reads these events before it lets go (see drainSink),
    // and those of a trailing signal still due too (they committed before this lookup saw the lease).
    if (now < target.drainingUntil) {
      if (state?.timer) {
        clearTimeout(state.timer);
        state.timer = undefined;
      }
      return;
    }
    if (!state) {
      if (perSink.size > 10_000) {
        for (const [k, s] of perSink) if (!s.timer && now - s.lastSentAt > debounceMs) perSink.delete(k);
      }
      state = { lastSentAt: 0 };
      perSink.set(key, state);
    }
    if (state.timer) return; // a trailing signal is already due and will cover these events
    const wait = state.lastSentAt + debounceMs - now;
    if (wait <= 0) {
      state.lastSentAt = now;
      send(tenantId, target);
      return;
    }
    const s = state;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      s.lastSentAt = Date.now();
      if (!stopped) send(tenantId, target);
    }, wait);
    s.timer.unref();
  }

  /**
   * The sinks that follow a workspace, looked up at most once per cacheTtlMs, and again as soon as a
   * drain lease it saw ends: the lease is renewed every second, so by then the database most likely
   * holds a later end, and an ingest that signalled on the stale one would wake a sink being drained.
   */
  function targetsOf(tenantId: string, workspaceId: string): Promise<CachedTarget[]> {
    const key = workspaceKey(tenantId, workspaceId);
    const cached = lookups.get(key);
    if (cached && Date.now() < cached.until) return cached.targets;
    // Measured from before the query: the lease's end, in our clock, is never placed later than it is.
    const asked = Date.now();
    const targets = listSinksToWake(opts.pool, tenantId, workspaceId).then((rows) =>
      rows.map(({ drainingForMs, ...target }) => ({ ...target, drainingUntil: asked + drainingForMs })),
    );
    const entry = { until: asked + cacheTtlMs, targets };
    lookups.set(key, entry);
    targets.then(
      (found) => {
        for (const t of found)
          if (t.drainingUntil > asked) entry.until = Math.min(entry.until, t.drainingUntil);
      },
      () => lookups.delete(key),
    );
    if (lookups.size > 10_000) lookups.delete(lookups.keys().next().value!);
    return targets;
  }

  return {
    eventsStored(events) {
      if (stopped) return;
      const workspaces = new Map<string, { tenantId: string; workspaceId: string }>();
      for (const e of events) {
        // Sinks follow workspaces; tenant-level events (workspace null) have no sink to wake.
        if (e.workspaceId !== null) {
          workspaces.set(workspaceKey(e.tenantId, e.workspaceId), {
            tenantId: e.tenantId,
            workspaceId: e.workspaceId,
          });
        }
      }
      for (const { tenantId, workspaceId } of workspaces.values()) {
        targetsOf(tenantId, workspaceId)
          .then((targets) => {
            for (const target of targets) wake(tenantId, target);
          })
          .catch((err: unknown) => opts.logger.warn({ err, tenantId }, 'looking up sinks to wake failed'));
      }
    },
    forget(tenantId, workspaceId) {
      lookups.delete(workspaceKey(tenantId, workspaceId));
    },
    changeUndelivered(sink) {
      owe(sink, 'changed');
    },
    get owed() {
      return owed.size;
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      owed.clear();
      for (const s of perSink.values()) if (s.timer) clearTimeout(s.timer);
      perSink.clear();
      lookups.clear();
    },
  };
}
