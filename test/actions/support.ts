import assert from 'node:assert/strict';
import type { TestPlatform } from '../helpers/platform.js';
import { waitFor as pollUntil } from '../helpers/wait.js';

/** Polls until `probe` answers something truthy (0 and "" count as not yet). */
export function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
) {
  return pollUntil(what, async () => (await probe()) || undefined, timeoutMs);
}

export function event(action: string, extra: Record<string, unknown> = {}) {
  return { actorKind: 'user', actorUserId: 'u_1', action, ...extra };
}

export async function ingest(p: TestPlatform, token: string, events: unknown[]) {
  const res = await p.request('POST', '/v1/audit/events', { token, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body as { accepted: number; duplicates: number; ids: string[] };
}

export async function inventory(p: TestPlatform, token: string, query = '') {
  const res = await p.request('GET', `/v1/audit/actions${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<{
    action: string;
    canonical: boolean;
    source: string;
    tags: string[];
    count: number;
    firstSeenAt: string | null;
    lastSeenAt: string | null;
    suggested: boolean;
  }>;
}

/** Waits until the rollup has counted `count` events of `action` for the caller's tenant. */
export async function waitForCount(p: TestPlatform, token: string, action: string, count: number) {
  return waitFor(async () => {
    const entry = (await inventory(p, token)).find((a) => a.action === action);
    return entry && entry.count >= count ? entry : undefined;
  }, `${action} counted ${count} times`);
}

export function actionPath(action: string, suffix = '') {
  return `/v1/audit/actions/${encodeURIComponent(action)}${suffix}`;
}
