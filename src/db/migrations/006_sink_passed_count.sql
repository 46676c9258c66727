-- Lag without counting the backlog on every read. passed_count is how many of the workspace's events
-- lie at or before the sink's cursor; lag is then the workspace's total (kept by the log rollup, see
-- 004_metrics.sql) plus the few events past the rollup's cursor, minus passed_count.
--
-- It is NULL until it can be exact: a transaction that was running when the cursor was placed (at sink
-- creation, or by a replay's rewind) may still commit below the cursor. The first advance of the cursor
-- reads below the horizon, after every such transaction has finished, and counts it then; until that
-- moment lag is counted from the log as before.
alter table audit_sinks add column passed_count bigint;

update audit_sinks s set passed_count = (
  select count(*) from audit_events e
  where e.tenant_id = s.tenant_id and e.workspace_id = s.workspace_id
    and (e.txid, e.seq) <= (s.cursor_txid, s.cursor_seq))
where s.cursor_txid < pg_snapshot_xmin(pg_current_snapshot());
