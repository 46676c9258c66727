import type { AuditEvent, NewEvent } from '../domain/event.js';
import {
  PLATFORM_WRITTEN,
  type Provenance,
  provenanceOf,
  type SubmittedBy,
  type SubmitterKind,
} from '../domain/provenance.js';
import type { Queryable } from './pool.js';

/** Where a read looks: one workspace, the tenant-level events (workspace null), or everything. */
export type ReadScope = { kind: 'workspace'; workspaceId: string } | { kind: 'tenant' } | { kind: 'all' };

export interface EventFilters {
  action?: string;
  actionPrefix?: string;
  actorKind?: string;
  actorUserId?: string;
  actorApiKeyId?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
}

export interface PagePosition {
  occurredAt: string;
  id: string;
}

interface EventRow {
  id: string;
  tenant_id: string;
  workspace_id: string | null;
  occurred_at: Date;
  actor_kind: AuditEvent['actorKind'];
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

export const EVENT_COLUMNS = `id, tenant_id, workspace_id, occurred_at, actor_kind, actor_user_id, actor_api_key_id,
  action, resource_type, resource_id, metadata, ip, user_agent`;

/** occurred_at as toISOString() writes it (UTC, milliseconds truncated; years 0001–9999, see IsoTimestamp). */
const OCCURRED_AT_ISO = `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const jsonText = (column: string) => `coalesce(to_json(${column})::text, 'null')`;

/**
 * The columns a delivery needs: each event's wire line as toWireLine writes it, built by PostgreSQL (on
 * its own core: the worker then parses one string per event instead of every field). `wire_head` holds
 * the fields before metadata and `wire_tail` those after, in AuditEvent's key order; to_json escapes a
 * string exactly as JSON.stringify does. metadata comes back parsed (jsonb) and is stringified between
 * them, so the line is byte for byte toWireLine's (test/sinks/wire-line.test.ts holds them together).
 * Beside it, the few fields drivers use on their own (syslog structured data, S3 object keys).
 */
export const WIRE_COLUMNS = `id, tenant_id, workspace_id, action, ${OCCURRED_AT_ISO} as occurred_at_iso,
  '{"id":' || to_json(id)::text || ',"tenantId":' || to_json(tenant_id)::text
    || ',"workspaceId":' || ${jsonText('workspace_id')} || ',"occurredAt":"' || ${OCCURRED_AT_ISO}
    || '","actorKind":' || to_json(actor_kind)::text || ',"actorUserId":' || ${jsonText('actor_user_id')}
    || ',"actorApiKeyId":' || ${jsonText('actor_api_key_id')} || ',"action":' || to_json(action)::text
    || ',"resourceType":' || ${jsonText('resource_type')} || ',"resourceId":' || ${jsonText('resource_id')}
    || ',"metadata":' as wire_head,
  metadata,
  ',"ip":' || ${jsonText('ip')} || ',"userAgent":' || ${jsonText('user_agent')} || '}' as wire_tail`;

export interface WireRow {
  id: string;
  tenant_id: string;
  workspace_id: string | null;
  action: string;
  occurred_at_iso: string;
  wire_head: string;
  metadata: Record<string, unknown>;
  wire_tail: string;
}

export function wireLineOf(row: WireRow): string {
  return row.wire_head + JSON.stringify(row.metadata) + row.wire_tail;
}

export function rowToEvent(row: EventRow): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workspaceId: row.workspace_id,
    occurredAt: row.occurred_at.toISOString(),
    actorKind: row.actor_kind,
    actorUserId: row.actor_user_id,
    actorApiKeyId: row.actor_api_key_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    metadata: row.metadata,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export interface StoredEvent extends NewEvent {
  actionValid: boolean;
}

/**
 * Inserts a batch in one statement (one round trip). Ids already stored for their tenant are skipped;
 * the answer lists the (tenantId, id) pairs actually inserted. `submitter` is the credential that
 * submitted the batch (its provenance), whatever actor fields the events claim.
 */
export async function insertEvents(
  db: Queryable,
  events: StoredEvent[],
  submitter: SubmittedBy,
): Promise<Array<{ tenantId: string; id: string }>> {
  if (events.length === 0) return [];
  const { rows } = await db.query<{ tenant_id: string; id: string }>(
    `insert into audit_events (tenant_id, id, workspace_id, occurred_at, actor_kind, actor_user_id,
       actor_api_key_id, action, action_valid, resource_type, resource_id, metadata, ip, user_agent,
       submitted_by_kind, submitted_by_id)
     select e.*, $15::text, $16::text
     from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::jsonb[], $13::text[], $14::text[]) e
     on conflict (tenant_id, id) do nothing
     returning tenant_id, id`,
    [
      events.map((e) => e.tenantId),
      events.map((e) => e.id),
      events.map((e) => e.workspaceId),
      events.map((e) => e.occurredAt),
      events.map((e) => e.actorKind),
      events.map((e) => e.actorUserId),
      events.map((e) => e.actorApiKeyId),
      events.map((e) => e.action),
      events.map((e) => e.actionValid),
      events.map((e) => e.resourceType),
      events.map((e) => e.resourceId),
      events.map((e) => JSON.stringify(e.metadata)),
      events.map((e) => e.ip),
      events.map((e) => e.userAgent),
      submitter.kind,
      submitter.id,
    ],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
}

/** Events the platform writes itself (provenance kind `platform`). */
export function insertPlatformEvents(db: Queryable, events: StoredEvent[]) {
  return insertEvents(db, events, PLATFORM_WRITTEN);
}

export interface ListEventsQuery {
  tenantId: string;
  scope: ReadScope;
  filters: EventFilters;
  after?: PagePosition;
  limit: number;
  /** Each event gains `provenance` after its SPEC keys (include=provenance); without it, none. */
  includeProvenance?: boolean;
}

export type ListedEvent = AuditEvent & { provenance?: Provenance };

/** Newest first, keyset-paged on (occurred_at, id): a page never repeats or skips a row. */
export async function listEvents(db: Queryable, q: ListEventsQuery): Promise<ListedEvent[]> {
  const params: unknown[] = [q.tenantId];
  const where = ['tenant_id = $1::text'];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };

  if (q.scope.kind === 'workspace') add((p) => `workspace_id = ${p}::text`, q.scope.workspaceId);
  else if (q.scope.kind === 'tenant') where.push('workspace_id is null');

  const f = q.filters;
  if (f.action !== undefined) add((p) => `action = ${p}::text`, f.action);
  if (f.actionPrefix !== undefined) {
    // C collation makes this a btree range scan; LIKE metacharacters in the prefix are escaped.
    add((p) => `action like ${p}::text`, `${f.actionPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  }
  if (f.actorKind !== undefined) add((p) => `actor_kind = ${p}::text`, f.actorKind);
  if (f.actorUserId !== undefined) add((p) => `actor_user_id = ${p}::text`, f.actorUserId);
  if (f.actorApiKeyId !== undefined) add((p) => `actor_api_key_id = ${p}::text`, f.actorApiKeyId);
  if (f.resourceType !== undefined) add((p) => `resource_type = ${p}::text`, f.resourceType);
  if (f.resourceId !== undefined) add((p) => `resource_id = ${p}::text`, f.resourceId);
  if (f.from !== undefined) add((p) => `occurred_at >= ${p}::timestamptz`, f.from);
  if (f.to !== undefined) add((p) => `occurred_at < ${p}::timestamptz`, f.to);
  if (q.after !== undefined) {
    params.push(q.after.occurredAt, q.after.id);
    where.push(`(occurred_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::text)`);
  }
  params.push(q.limit);

  const provenanceColumns = q.includeProvenance ? ', submitted_by_kind, submitted_by_id' : '';
  const { rows } = await db.query<
    EventRow & { submitted_by_kind?: SubmitterKind | null; submitted_by_id?: string | null }
  >(
    `select ${EVENT_COLUMNS}${provenanceColumns} from audit_events
     where ${where.join(' and ')}
     order by occurred_at desc, id desc
     limit $${params.length}::int`,
    params,
  );
  if (!q.includeProvenance) return rows.map(rowToEvent);
  return rows.map((row) => ({
    ...rowToEvent(row),
    provenance: provenanceOf(row.submitted_by_kind ?? null, row.submitted_by_id ?? null),
  }));
}
