-- The runtime role: the API and the worker connect as a role that owns nothing. The owner (who runs
-- these migrations) keeps the tables, the triggers and the trigger functions; the runtime role gets
-- exactly the statements src/db/ runs, and on audit_events only INSERT and SELECT. Without ownership
-- it cannot DISABLE TRIGGER, replace audit_events_refuse_change(), or TRUNCATE; without superuser it
-- cannot SET session_replication_role = replica. So append-only holds against the application's own
-- credential.
--
-- audit_grant_runtime_privileges(role) is run by the owner after every migration run (src/db/migrate.ts,
-- grantRuntimePrivileges), so it is idempotent: it first takes back everything, then grants the list.
-- A migration that adds a table, or a statement that needs a new privilege, replaces this function.
create function audit_grant_runtime_privileges(runtime_role name) returns void
language plpgsql as $$
declare
  grants constant text[][] := array[
    ['audit_migrations',            'select'],
    ['audit_events',                'select, insert'],
    ['audit_api_keys',              'select, insert, update'],
    ['audit_log_consumers',         'select, update'],
    ['audit_action_inventory',      'select, insert, update'],
    ['audit_invalid_action_counts', 'select, insert, update'],
    ['audit_sinks',                 'select, insert, update, delete'],
    ['audit_sink_deliveries',       'select, insert, update'],
    ['audit_event_counts',          'select, insert, update'],
    ['audit_event_counts_hourly',   'select, insert, update, delete'],
    ['audit_event_counts_minutely', 'select, insert, update, delete'],
    ['audit_metrics_snapshots',     'select, insert, delete']
  ];
  i int;
  events_owner name;
begin
  select pg_get_userbyid(c.relowner) into events_owner from pg_class c where c.oid = 'audit_events'::regclass;
  if runtime_role = events_owner or pg_has_role(runtime_role, events_owner, 'member') then
    raise exception 'the runtime role % owns (or is a member of the owner of) audit_events; it must be a separate role',
      runtime_role using errcode = 'invalid_grant_operation';
  end if;
  if exists (select 1 from pg_roles where rolname = runtime_role and rolsuper) then
    raise exception 'the runtime role % is a superuser; it must not be', runtime_role
      using errcode = 'invalid_grant_operation';
  end if;
  for i in 1 .. array_length(grants, 1) loop
    execute format('revoke all on table %I from %I', grants[i][1], runtime_role);
    execute format('grant %s on table %I to %I', grants[i][2], grants[i][1], runtime_role);
  end loop;
  execute format('grant usage on schema %I to %I', current_schema(), runtime_role);
end
$$;

revoke all on function audit_grant_runtime_privileges(name) from public;
