import { monotonicFactory } from 'ulid';
import { afterCommit, poolOf } from '../db/after-commit.js';
import { insertEvents, insertPlatformEvents, type StoredEvent } from '../db/events.js';
import { type Pool, type Queryable, withTransaction } from '../db/pool.js';
import { isValidActionName } from '../domain/action-name.js';
import { actorFields, type Caller } from '../domain/caller.js';
import { type FieldError, ForbiddenError, ValidationError } from '../domain/errors.js';
import { type EventInput, normalizeEvent } from '../domain/event.js';
import { submittedBy } from '../domain/provenance.js';

export const newEventId = monotonicFactory();

export interface EventStoreDeps {
  pool: Pool;
  actionMaxSegments: number;
  now?: () => Date;
  /** Called after commit with the events that were actually stored (not the duplicates). */
  onStored?: (events: StoredEvent[]) => void;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
}

/**
 * Applies the caller's tenant and workspace binding to each event, then stores the batch atomically.
 * Any per-event problem rejects the whole batch before anything is written.
 */
export async function ingestEvents(
  deps: EventStoreDeps,
  caller: Caller,
  inputs: EventInput[],
  pointerBase: string,
) {
  const now = deps.now?.() ?? new Date();
  const errors: FieldError[] = [];
  let forbidden: string | undefined;
  const events: StoredEvent[] = inputs.map((input, index) => {
    const at = `${pointerBase}${pointerBase === '' ? '' : `/${index}`}`;
    let tenantId = input.tenantId;
    if (caller.tenantId !== null) {
      if (tenantId !== undefined && tenantId !== caller.tenantId) {
        forbidden ??= `event ${index}: this credential may only write to its own tenant`;
      }
      tenantId = caller.tenantId;
    } else if (tenantId === undefined) {
      errors.push({ pointer: `${at}/tenantId`, detail: 'required for platform-wide credentials' });
    }
    let workspaceId = input.workspaceId ?? null;
    if (caller.workspaceIds !== null) {
      if (workspaceId === null && caller.workspaceIds.length === 1) workspaceId = caller.workspaceIds[0]!;
      if (workspaceId === null || !caller.workspaceIds.includes(workspaceId)) {
        forbidden ??= `event ${index}: this credential may not write to workspace ${workspaceId ?? '(tenant level)'}`;
      }
    }
    const event = normalizeEvent({ ...input, workspaceId }, tenantId ?? '', input.id ?? newEventId(), now);
    return { ...event, actionValid: isValidActionName(event.action, deps.actionMaxSegments) };
  });
  if (errors.length > 0)
    throw new ValidationError('the batch has invalid events; nothing was stored', { errors });
  if (forbidden) throw new ForbiddenError(forbidden);

  // One statement is atomic on its own: the common path is a single round trip to the database.
  // Only the platform token adds a record of its use, which must commit with the events.
  // The events are stored with the credential that submitted them (their provenance), so an audit.*
  // name or a "system" actor claimed by a producer stays told apart from the platform's own records.
  const inserted =
    caller.kind !== 'platform'
      ? await insertEvents(deps.pool, events, submittedBy(caller))
      : await withTransaction(deps.pool, async (tx) => {
          const rows = await insertEvents(tx, events, submittedBy(caller));
          for (const tenantId of new Set(events.map((e) => e.tenantId))) {
            await recordAuditEvent(tx, deps.actionMaxSegments, {
              tenantId,
              workspaceId: null,
              caller,
              action: 'audit.platform_token_used',
              resourceType: 'audit_event',
              resourceId: null,
              metadata: { operation: 'ingest' },
            });
          }
          return rows;
        });

  // The first occurrence of each inserted (tenant, id) is the stored one; a repeat within the batch,
  // like a repeat of an earlier request, is a duplicate.
  const insertedKeys = new Set(inserted.map((r) => `${r.tenantId}\u0000${r.id}`));
  const stored = events.filter((e) => insertedKeys.delete(`${e.tenantId}\u0000${e.id}`));
  deps.onStored?.(stored);
  return { accepted: stored.length, duplicates: events.length - stored.length, ids: events.map((e) => e.id) };
}

/** Per pool: who hears of the events the platform writes itself (the API's sink waker). */
const storedListeners = new WeakMap<object, (events: StoredEvent[]) => void>();

/**
 * Every event stored through `pool` by recordAuditEvent is handed to `listener` after its transaction
 * commits, as ingest hands its events to EventStoreDeps.onStored: the platform's own events (a sink
 * created, a key revoked…) wake the workspace's sinks like any other event.
 */
export function setStoredEventsListener(pool: Pool, listener: (events: StoredEvent[]) => void): void {
  storedListeners.set(pool, listener);
}

export interface PlatformAuditEvent {
  tenantId: string;
  workspaceId: string | null;
  caller: Caller;
  action: string;
  resourceType: string;
  resourceId: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Writes an event the platform emits about itself (a key created, a cross-workspace read…) into the
 * tenant's own log. Pass the transaction of the change it describes so both commit together.
 */
export async function recordAuditEvent(db: Queryable, actionMaxSegments: number, e: PlatformAuditEvent) {
  const now = new Date().toISOString();
  const event: StoredEvent = {
    id: newEventId(),
    tenantId: e.tenantId,
    workspaceId: e.workspaceId,
    occurredAt: now,
    ...actorFields(e.caller),
    action: e.action,
    actionValid: isValidActionName(e.action, actionMaxSegments),
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    metadata: e.metadata,
    ip: null,
    userAgent: null,
  };
  await insertPlatformEvents(db, [event]);
  const pool = poolOf(db);
  const listener = pool && storedListeners.get(pool);
  if (listener) afterCommit(db, () => listener([event]));
}
