import assert from 'node:assert/strict';
import type { AuditMetrics } from '../../src/domain/metrics.js';
import type { TestPlatform } from '../helpers/platform.js';

export { waitFor } from '../actions/support.js';

export function event(action: string, extra: Record<string, unknown> = {}) {
  return { actorKind: 'user', actorUserId: 'u_1', action, ...extra };
}

export async function ingest(p: TestPlatform, token: string, events: unknown[]) {
  const res = await p.request('POST', '/v1/audit/events', { token, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body as { accepted: number; duplicates: number; ids: string[] };
}

export async function metrics(p: TestPlatform, token: string, query = ''): Promise<AuditMetrics> {
  const res = await p.request('GET', `/v1/audit/metrics${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as AuditMetrics;
}

/** Ground truth for a test: the events of a tenant (optionally one workspace, or null = tenant level). */
export async function countEvents(p: TestPlatform, tenantId: string, workspaceId?: string | null) {
  const { rows } = await p.db.pool.query<{ n: number }>(
    `select count(*)::int as n from audit_events
     where tenant_id = $1::text
       and ($2::boolean or workspace_id is not distinct from $3::text)`,
    [tenantId, workspaceId === undefined, workspaceId ?? null],
  );
  return rows[0]!.n;
}
