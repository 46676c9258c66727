let idCounter = 0;

/**
 * A unique, time-sortable event id, cheap enough to make millions of (ulid() costs ~100-170 µs a call
 * whenever the millisecond changes, which made generation, not PostgreSQL, the bottleneck).
 */
export function benchId(timeMs = Date.now()): string {
  return `ev${timeMs.toString(36).padStart(9, '0')}${(idCounter++).toString(36).padStart(8, '0')}`;
}

import type { StoredEvent } from '../../src/db/events.js';
import { copyValue } from './copy.js';

const VERBS = ['created', 'updated', 'deleted', 'viewed', 'exported', 'invited', 'revoked', 'started'];
const NOUNS = [
  'member',
  'connection',
  'api_key',
  'role',
  'project',
  'dashboard',
  'report',
  'webhook',
  'secret',
  'policy',
  'invoice',
  'session',
  'token',
  'dataset',
  'pipeline',
  'run',
  'alert',
  'note',
  'file',
  'export',
  'sink',
  'setting',
  'group',
  'device',
  'domain',
];
const SERVICES = ['tenant', 'discovery', 'billing', 'auth', 'catalog', 'admin', 'sync', 'reports'];

/** About 200 action names: service.noun_verb, like a real product's catalogue. */
export const ACTIONS: string[] = (() => {
  const out: string[] = [];
  for (let i = 0; out.length < 200; i++) {
    const service = SERVICES[i % SERVICES.length]!;
    const noun = NOUNS[Math.floor(i / SERVICES.length) % NOUNS.length]!;
    const verb = VERBS[(i * 7) % VERBS.length]!;
    out.push(`${service}.${noun}_${verb}`);
  }
  return out;
})();

/** A skewed pick in [0, n): a few values are common, most are rare (roughly Zipf-like). */
export function skewed(n: number, random = Math.random): number {
  return Math.min(n - 1, Math.floor(n * random() ** 3));
}

const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/** One event as a producer sends it (no id: the server assigns a ULID). */
export function wireEvent(tenantId: string, workspaceId: string) {
  const user = skewed(500);
  return {
    tenantId,
    workspaceId,
    occurredAt: new Date().toISOString(),
    actorKind: 'user',
    actorUserId: `u_${user}`,
    action: ACTIONS[skewed(ACTIONS.length)]!,
    resourceType: 'project',
    resourceId: `p_${skewed(2000)}`,
    metadata: { requestId: benchId(), changed: ['name', 'description'], source: 'web' },
    ip: `203.0.113.${user % 250}`,
    userAgent: USER_AGENT,
  };
}

/** A POST body of `size` events (one bare event for size 1, as a single-event producer sends it). */
export function ingestBody(tenantId: string, workspaceId: string, size: number): Buffer {
  const events = Array.from({ length: size }, () => wireEvent(tenantId, workspaceId));
  return Buffer.from(JSON.stringify(size === 1 ? events[0] : { events }));
}

/** The same rows as the API stores them, with ids, for the raw-client ceilings. */
export function storedEvents(tenantId: string, workspaceId: string, size: number): StoredEvent[] {
  return Array.from({ length: size }, () => {
    const e = wireEvent(tenantId, workspaceId);
    return {
      ...e,
      id: benchId(),
      actorKind: 'user' as const,
      actorApiKeyId: null,
      actionValid: true,
    };
  });
}

export const COPY_COLUMNS = `tenant_id, id, workspace_id, occurred_at, actor_kind, actor_user_id, actor_api_key_id,
  action, action_valid, resource_type, resource_id, metadata, ip, user_agent`;

/** Rows in COPY text format, in COPY_COLUMNS order. */
export function copyLine(e: StoredEvent): string {
  return `${[
    e.tenantId,
    e.id,
    e.workspaceId,
    e.occurredAt,
    e.actorKind,
    e.actorUserId,
    e.actorApiKeyId,
    e.action,
    e.actionValid,
    e.resourceType,
    e.resourceId,
    JSON.stringify(e.metadata),
    e.ip,
    e.userAgent,
  ]
    .map((v) => copyValue(v as string | boolean | null))
    .join('\t')}\n`;
}
