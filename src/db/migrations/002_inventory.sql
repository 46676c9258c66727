-- Log consumers: processes that follow audit_events in ingest order, (txid, seq), and fold what they
-- read into aggregates. The row is the cursor; a consumer step locks it (for update skip locked), so
-- any number of worker processes may run the same consumer without reading a row twice.
create table audit_log_consumers (
  name       text collate "C" primary key,
  txid       xid8 not null default '0'::xid8,
  seq        bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- The rollup that keeps the action inventory and the invalid-name counters (and, later, other totals).
insert into audit_log_consumers (name) values ('rollup');

-- The action inventory, per tenant. Only names that follow the naming convention are kept here.
-- first_seen_at / last_seen_at come from received_at (when the platform saw the event), not from the
-- producer's occurred_at: a backfill of old events must not make a new name look old enough to promote.
-- Both are null for an entry an admin pre-registered before any event used it.
create table audit_action_inventory (
  tenant_id     text collate "C" not null,
  action        text collate "C" not null,
  count         bigint not null default 0,
  first_seen_at timestamptz,
  last_seen_at  timestamptz,
  canonical     boolean not null default false,
  source        text not null default 'discovered' check (source in ('discovered', 'manual', 'auto')),
  tags          text[] not null default '{}',
  suggested     boolean not null default false,
  -- Who made the manual decision (source = 'manual'), or when the promotion ran (source = 'auto').
  decided_by    text,
  decided_at    timestamptz,
  primary key (tenant_id, action)
);
-- The canonical dropdown and the filter canonical=true read only these.
create index audit_action_inventory_canonical on audit_action_inventory (tenant_id, action) where canonical;
-- Promotion scans the undecided ones across tenants.
create index audit_action_inventory_discovered on audit_action_inventory (tenant_id, action)
  where source = 'discovered';

-- Events whose action breaks the naming convention, counted exactly per tenant (invalidActionCount).
create table audit_invalid_action_counts (
  tenant_id    text collate "C" primary key,
  count        bigint not null,
  last_seen_at timestamptz not null
);
