-- Sinks: customer-owned destinations that receive a workspace's events, one delivery workflow each.
--
-- The delivery cursor (cursor_txid, cursor_seq) is the position in the workspace's log (see
-- 001_events.sql: ingest order is (txid, seq)) of the last event the sink has dealt with. It only moves
-- in the transaction that records a successful delivery, so a crash between publishing and committing
-- re-delivers that batch (at least once) and never skips one.
create table audit_sinks (
  tenant_id       text collate "C" not null,
  id              text collate "C" not null,
  workspace_id    text collate "C" not null,
  name            text not null,
  type            text not null,
  -- The type's config; fields the type declares secret are replaced by {"$enc": "<ciphertext>"}.
  config          jsonb not null,
  filter          jsonb not null default '{}'::jsonb,
  enabled         boolean not null default true,
  paused          boolean not null default false,
  cursor_txid     xid8 not null,
  cursor_seq      bigint not null,
  last_delivery_at timestamptz,
  last_error      text,
  last_error_at   timestamptz,
  -- Bumped by every change that the delivery workflow must notice (config, filter, enabled, paused).
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  created_by      text not null,
  updated_at      timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index audit_sinks_id on audit_sinks (id);
-- The ingest path asks "which enabled sinks follow this workspace?" after every commit.
create index audit_sinks_workspace on audit_sinks (tenant_id, workspace_id) where enabled;

-- One row per batch: created on its first attempt, updated by every later attempt of the same batch
-- (a batch is identified by the cursor it starts after), finished when it succeeds.
create table audit_sink_deliveries (
  id           bigint generated always as identity primary key,
  tenant_id    text collate "C" not null,
  sink_id      text collate "C" not null,
  status       text not null check (status in ('in_progress', 'succeeded', 'failed')),
  event_count  integer not null,
  attempts     integer not null default 1,
  error        text,
  after_txid   xid8 not null,
  after_seq    bigint not null,
  last_txid    xid8 not null,
  last_seq     bigint not null,
  workflow_id  text,
  run_id       text,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz,
  foreign key (tenant_id, sink_id) references audit_sinks (tenant_id, id) on delete cascade
);
create unique index audit_sink_deliveries_batch on audit_sink_deliveries (sink_id, after_txid, after_seq);
create index audit_sink_deliveries_page on audit_sink_deliveries (tenant_id, sink_id, id desc);
