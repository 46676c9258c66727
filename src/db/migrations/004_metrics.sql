-- Metrics: event counts kept by the log rollup, delivery counters on sinks, and stored snapshots.
--
-- Event counts are per tenant and workspace (workspace_id null = tenant-level events). `total` counts
-- every event ever stored; `last24h` is read from time buckets of received_at (when the platform
-- received the event, UTC): hourly buckets for the whole hours of the window plus minute buckets for
-- the partial hour at its start, so the window is exact to the minute. Buckets older than 25 h are
-- pruned by the fold. Unique indexes treat null workspaces as equal (nulls not distinct, PostgreSQL 15+)
-- so the fold's "on conflict" also merges tenant-level counts.
create table audit_event_counts (
  tenant_id    text collate "C" not null,
  workspace_id text collate "C",
  total        bigint not null
);
create unique index audit_event_counts_key on audit_event_counts (tenant_id, workspace_id) nulls not distinct;

-- Bucket rows lead with the time after the tenant: a tenant-wide read of the window is one index range.
create table audit_event_counts_hourly (
  tenant_id    text collate "C" not null,
  hour         timestamptz not null,
  workspace_id text collate "C",
  count        bigint not null
);
create unique index audit_event_counts_hourly_key
  on audit_event_counts_hourly (tenant_id, hour, workspace_id) nulls not distinct;
create index audit_event_counts_hourly_prune on audit_event_counts_hourly (hour);

create table audit_event_counts_minutely (
  tenant_id    text collate "C" not null,
  minute       timestamptz not null,
  workspace_id text collate "C",
  count        bigint not null
);
create unique index audit_event_counts_minutely_key
  on audit_event_counts_minutely (tenant_id, minute, workspace_id) nulls not distinct;
create index audit_event_counts_minutely_prune on audit_event_counts_minutely (minute);

-- Backfill: the fold only sees events after the rollup's cursor, so count everything at or before it
-- here. The cursor row is locked first: a rollup step running old code elsewhere cannot move it (and
-- fold a batch without these counts) until this migration commits; every later statement reads a fresh
-- snapshot that sees the cursor's final position.
select 1 from audit_log_consumers where name = 'rollup' for update;

insert into audit_event_counts (tenant_id, workspace_id, total)
select e.tenant_id, e.workspace_id, count(*)
from audit_events e, audit_log_consumers c
where c.name = 'rollup' and (e.txid, e.seq) <= (c.txid, c.seq)
group by e.tenant_id, e.workspace_id;

insert into audit_event_counts_minutely (tenant_id, minute, workspace_id, count)
select e.tenant_id, date_trunc('minute', e.received_at, 'UTC'), e.workspace_id, count(*)
from audit_events e, audit_log_consumers c
where c.name = 'rollup' and (e.txid, e.seq) <= (c.txid, c.seq)
  and e.received_at >= now() - interval '25 hours'
group by 1, 2, 3;

insert into audit_event_counts_hourly (tenant_id, hour, workspace_id, count)
select tenant_id, date_trunc('hour', minute, 'UTC'), workspace_id, sum(count)
from audit_event_counts_minutely
group by 1, 2, 3;

-- Delivery counters, bumped in the transactions that record outcomes (src/db/sinks.ts):
-- events the destination accepted, and failed delivery attempts (a batch retried 3 times counts 3).
-- Existing sinks start from their history.
alter table audit_sinks
  add column delivered_count bigint not null default 0,
  add column failed_count    bigint not null default 0;

update audit_sinks s set
  delivered_count = coalesce((select sum(d.event_count) from audit_sink_deliveries d
    where d.tenant_id = s.tenant_id and d.sink_id = s.id and d.status = 'succeeded'), 0),
  -- Every attempt of a batch but a successful last one failed (or was cut short by a crash).
  failed_count = coalesce((select sum(d.attempts - case when d.status = 'failed' then 0 else 1 end)
    from audit_sink_deliveries d where d.tenant_id = s.tenant_id and d.sink_id = s.id), 0);

-- Per-tenant metrics snapshots, written by metricsSnapshotWorkflow (the body is GET /v1/audit/metrics
-- for the whole tenant, without generatedAt). One per tenant and scheduled time: a retried run
-- rewrites nothing.
create table audit_metrics_snapshots (
  tenant_id text collate "C" not null,
  taken_at  timestamptz not null,
  metrics   jsonb not null,
  primary key (tenant_id, taken_at)
);
create index audit_metrics_snapshots_prune on audit_metrics_snapshots (taken_at);
