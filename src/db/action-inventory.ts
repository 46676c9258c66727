import type { ActionEntry, ActionSource } from '../domain/action-inventory.js';
import type { LogRange } from './log-consumers.js';
import type { Queryable } from './pool.js';

interface ActionRow {
  action: string;
  canonical: boolean;
  source: ActionSource;
  tags: string[];
  count: number;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  suggested: boolean;
}

const COLUMNS = 'action, canonical, source, tags, count, first_seen_at, last_seen_at, suggested';

function toEntry(row: ActionRow): ActionEntry {
  return {
    action: row.action,
    canonical: row.canonical,
    source: row.source,
    tags: row.tags,
    count: row.count,
    firstSeenAt: row.first_seen_at?.toISOString() ?? null,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    suggested: row.suggested,
  };
}

/**
 * Rollup fold: adds the valid actions of a log range to the inventory. Aggregated in SQL, so a hot
 * name costs one row update per batch, whatever its traffic. Rows are locked in key order to stay
 * clear of deadlocks with the promotion's multi-row update.
 */
export async function foldActionInventory(db: Queryable, range: LogRange): Promise<void> {
  await db.query(
    `insert into audit_action_inventory as i (tenant_id, action, count, first_seen_at, last_seen_at)
     select tenant_id, action, count(*), min(received_at), max(received_at)
     from audit_events
     where (txid, seq) > ($1::xid8, $2::bigint) and (txid, seq) <= ($3::xid8, $4::bigint)
       and action_valid
     group by tenant_id, action
     order by tenant_id, action
     on conflict (tenant_id, action) do update set
       count = i.count + excluded.count,
       first_seen_at = least(i.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at)`,
    [range.from.txid, range.from.seq, range.to.txid, range.to.seq],
  );
}

/** Rollup fold: counts, per tenant, the events of a log range whose action breaks the convention. */
export async function foldInvalidActions(db: Queryable, range: LogRange): Promise<void> {
  await db.query(
    `insert into audit_invalid_action_counts as c (tenant_id, count, last_seen_at)
     select tenant_id, count(*), max(received_at)
     from audit_events
     where (txid, seq) > ($1::xid8, $2::bigint) and (txid, seq) <= ($3::xid8, $4::bigint)
       and not action_valid
     group by tenant_id
     order by tenant_id
     on conflict (tenant_id) do update set
       count = c.count + excluded.count,
       last_seen_at = greatest(c.last_seen_at, excluded.last_seen_at)`,
    [range.from.txid, range.from.seq, range.to.txid, range.to.seq],
  );
}

export interface ActionFilters {
  canonical?: boolean;
  tag?: string;
}

/** The tenant's inventory, sorted by name. */
export async function listActions(
  db: Queryable,
  tenantId: string,
  filters: ActionFilters,
): Promise<ActionEntry[]> {
  const { rows } = await db.query<ActionRow>(
    `select ${COLUMNS} from audit_action_inventory
     where tenant_id = $1::text
       and ($2::boolean is null or canonical = $2::boolean)
       and ($3::text is null or tags @> array[$3::text])
     order by action`,
    [tenantId, filters.canonical ?? null, filters.tag ?? null],
  );
  return rows.map(toEntry);
}

/** The dropdown list: canonical names and their tags, sorted. */
export async function listCanonicalActions(
  db: Queryable,
  tenantId: string,
  tag: string | undefined,
): Promise<Array<{ action: string; tags: string[] }>> {
  const { rows } = await db.query<{ action: string; tags: string[] }>(
    `select action, tags from audit_action_inventory
     where tenant_id = $1::text and canonical
       and ($2::text is null or tags @> array[$2::text])
     order by action`,
    [tenantId, tag ?? null],
  );
  return rows;
}

/** One entry, locked for the rest of the transaction when it exists (so "before" in the audit is true). */
export async function lockAction(
  db: Queryable,
  tenantId: string,
  action: string,
): Promise<ActionEntry | null> {
  const { rows } = await db.query<ActionRow>(
    `select ${COLUMNS} from audit_action_inventory
     where tenant_id = $1::text and action = $2::text
     for update`,
    [tenantId, action],
  );
  return rows[0] ? toEntry(rows[0]) : null;
}

/** A manual canonical decision; creates the entry (never seen, count 0) when needed. */
export async function setActionCanonical(
  db: Queryable,
  d: { tenantId: string; action: string; canonical: boolean; decidedBy: string },
): Promise<ActionEntry> {
  const { rows } = await db.query<ActionRow>(
    `insert into audit_action_inventory as i (tenant_id, action, canonical, source, decided_by, decided_at)
     values ($1::text, $2::text, $3::boolean, 'manual', $4::text, now())
     on conflict (tenant_id, action) do update set
       canonical = excluded.canonical, source = 'manual', suggested = false,
       decided_by = excluded.decided_by, decided_at = excluded.decided_at
     returning ${COLUMNS}`,
    [d.tenantId, d.action, d.canonical, d.decidedBy],
  );
  return toEntry(rows[0]!);
}

/**
 * Replaces an entry's tags. An entry that does not exist yet is pre-registered as a manual canonical
 * one (an admin preparing the dropdown before the first event); an existing one keeps its decision.
 */
export async function setActionTags(
  db: Queryable,
  d: { tenantId: string; action: string; tags: string[]; decidedBy: string },
): Promise<ActionEntry> {
  const { rows } = await db.query<ActionRow>(
    `insert into audit_action_inventory as i (tenant_id, action, canonical, source, tags, decided_by, decided_at)
     values ($1::text, $2::text, true, 'manual', $3::text[], $4::text, now())
     on conflict (tenant_id, action) do update set tags = excluded.tags
     returning ${COLUMNS}`,
    [d.tenantId, d.action, d.tags, d.decidedBy],
  );
  return toEntry(rows[0]!);
}
