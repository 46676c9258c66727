import type { Pool } from '../../src/db/pool.js';
import { copyFrom, copyValue } from './copy.js';
import { ACTIONS, benchId, COPY_COLUMNS, skewed } from './events.js';

export const TENANTS = 10;
export const WORKSPACES_PER_TENANT = 20;
const USERS = 5000;
const RESOURCE_TYPES = [
  'project',
  'member',
  'connection',
  'dashboard',
  'report',
  'file',
  'dataset',
  'policy',
];
const RESOURCES = 100_000;
/** The events' occurredAt spread: the whole table covers this many ms, ending at `endMs`. */
export const SPAN_MS = 90 * 86_400_000;
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/**
 * Rows spread like a real deployment's: tenant t_0 holds about half the events and within a tenant
 * workspace w_0 about a third (skewed picks), ~200 action names with a long tail, 5,000 users, a few
 * API-key and system actors, 100,000 resources, occurredAt rising over 90 days ending now.
 */
function row(index: number, total: number, endMs: number, tenants: number): string {
  const tenant = skewed(tenants);
  const workspace = Math.random() < 0.05 ? null : `w_${skewed(WORKSPACES_PER_TENANT)}`;
  const kind = Math.random();
  const actorKind = kind < 0.85 ? 'user' : kind < 0.95 ? 'api_key' : 'system';
  const user = skewed(USERS);
  const occurredAt = new Date(endMs - SPAN_MS + (index / total) * SPAN_MS + Math.random() * 1000);
  const values = [
    `t_${tenant}`,
    benchId(occurredAt.getTime()),
    workspace,
    occurredAt.toISOString(),
    actorKind,
    actorKind === 'user' ? `u_${user}` : null,
    actorKind === 'api_key' ? `k_${user % 50}` : null,
    ACTIONS[skewed(ACTIONS.length)]!,
    true,
    RESOURCE_TYPES[skewed(RESOURCE_TYPES.length)]!,
    `r_${skewed(RESOURCES)}`,
    `{"requestId":"rq_${index}","source":"web"}`,
    `198.51.100.${user % 250}`,
    UA,
  ];
  return `${values.map((v) => copyValue(v)).join('\t')}\n`;
}

/**
 * Appends `count` generated events to audit_events with COPY, in chunks over two connections so that
 * generating one chunk overlaps the server writing the other. `start`/`total` place the rows in time, so
 * loading 1M and then 9M more gives the same spread as loading 10M at once.
 */
export async function bulkLoad(
  pool: Pool,
  start: number,
  count: number,
  total: number,
  endMs: number,
  progress: (done: number) => void,
  /** 1 puts every event in tenant t_0. */
  tenants = TENANTS,
): Promise<void> {
  const chunk = 50_000;
  let next = start;
  const end = start + count;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (next < end) {
        const from = next;
        const to = Math.min(end, from + chunk);
        next = to;
        const lines: string[] = [];
        for (let i = from; i < to; i++) lines.push(row(i, total, endMs, tenants));
        await copyFrom(client, 'audit_events', COPY_COLUMNS, Buffer.from(lines.join('')));
        progress(to - start);
      }
    } finally {
      client.release();
    }
  };
  await Promise.all([worker(), worker()]);
}
