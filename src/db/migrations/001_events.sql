-- Audit events: the append-only source of truth.
--
-- Delivery order ("ingest order") is (txid, seq): the inserting transaction's id, then the identity
-- sequence. Readers that follow the log only read rows whose txid is below the oldest transaction
-- still running (pg_snapshot_xmin), so a cursor over (txid, seq) never skips a row that commits late.
create table audit_events (
  tenant_id        text collate "C" not null,
  id               text collate "C" not null,
  seq              bigint generated always as identity,
  txid             xid8 not null default pg_current_xact_id(),
  workspace_id     text collate "C",
  occurred_at      timestamptz not null,
  received_at      timestamptz not null default now(),
  actor_kind       text not null check (actor_kind in ('user', 'api_key', 'system')),
  actor_user_id    text collate "C",
  actor_api_key_id text collate "C",
  action           text collate "C" not null,
  action_valid     boolean not null,
  resource_type    text collate "C",
  resource_id      text collate "C",
  metadata         jsonb not null default '{}'::jsonb,
  ip               text,
  user_agent       text,
  primary key (tenant_id, id)
);

-- Listing: every read is scoped by tenant, then by one workspace, the tenant level (null) or all.
create index audit_events_workspace_time on audit_events (tenant_id, workspace_id, occurred_at desc, id desc);
create index audit_events_tenant_time on audit_events (tenant_id, occurred_at desc, id desc);
-- Filters (exact action and prefix "discovery.*" both use the C-collated btree).
create index audit_events_action_time on audit_events (tenant_id, action, occurred_at desc, id desc);
create index audit_events_actor_user_time on audit_events (tenant_id, actor_user_id, occurred_at desc, id desc)
  where actor_user_id is not null;
create index audit_events_actor_key_time on audit_events (tenant_id, actor_api_key_id, occurred_at desc, id desc)
  where actor_api_key_id is not null;
create index audit_events_resource_time on audit_events (tenant_id, resource_type, resource_id, occurred_at desc, id desc)
  where resource_type is not null;
-- Following the log: per workspace for sinks, globally for rollups.
create index audit_events_workspace_log on audit_events (tenant_id, workspace_id, txid, seq);
create index audit_events_log on audit_events (txid, seq);

create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_events_no_update_delete
  before update or delete on audit_events
  for each row execute function audit_events_refuse_change();

create trigger audit_events_no_truncate
  before truncate on audit_events
  for each statement execute function audit_events_refuse_change();

-- API keys: only a SHA-256 of the key is kept (keys are 256-bit random, so a slow hash adds nothing).
create table audit_api_keys (
  id            text collate "C" primary key,
  tenant_id     text collate "C",
  role          text not null,
  workspace_ids text[],
  name          text,
  key_hash      bytea not null unique,
  created_at    timestamptz not null default now(),
  created_by    text not null,
  revoked_at    timestamptz,
  check (tenant_id is not null or role = 'producer')
);
create index audit_api_keys_tenant on audit_api_keys (tenant_id, created_at desc);
