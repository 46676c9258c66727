import pg from 'pg';
import { MIGRATION_LOCK_KEY } from './migrate.js';
import { type Pool, type Queryable, withTransaction } from './pool.js';

/**
 * The two database roles (docs/OPERATIONS.md, "Database roles"): the owner runs the migrations and owns
 * every table, trigger and function; the runtime role, which the API and the worker connect as, owns
 * nothing and holds only the privileges audit_grant_runtime_privileges() (migration 007) lists.
 */

/** The role a connection acts as. */
export async function currentRole(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ role: string }>('select current_user as role');
  return rows[0]!.role;
}

/**
 * Run by the owner after migrating: idempotent, takes back every privilege first. One transaction
 * (a running runtime never sees the privileges gone), under the migration lock (concurrent starters
 * would otherwise update the same ACLs at once).
 */
export async function grantRuntimePrivileges(owner: Pool, runtimeRole: string): Promise<void> {
  await withTransaction(owner, async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query('select audit_grant_runtime_privileges($1::name)', [runtimeRole]);
  });
}

/**
 * Why this connection could change or remove stored events (empty when it cannot): the API and the
 * worker log each reason as a warning at start.
 */
export async function runtimeRoleProblems(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{
    role: string;
    superuser: boolean;
    owner: boolean;
    change: boolean;
    create: boolean;
  }>(
    `select current_user as role, r.rolsuper as superuser,
       pg_has_role(current_user, c.relowner, 'member') as owner,
       has_table_privilege(c.oid, 'update') or has_table_privilege(c.oid, 'delete')
         or has_table_privilege(c.oid, 'truncate') or has_table_privilege(c.oid, 'trigger') as change,
       has_schema_privilege(c.relnamespace, 'create') as create
     from pg_roles r, pg_class c
     where r.rolname = current_user and c.oid = 'audit_events'::regclass`,
  );
  const r = rows[0];
  if (!r) return [];
  const problems: string[] = [];
  if (r.superuser) problems.push(`the database role ${r.role} is a superuser`);
  else if (r.owner) problems.push(`the database role ${r.role} owns audit_events (or may act as its owner)`);
  else if (r.change)
    problems.push(`the database role ${r.role} holds UPDATE, DELETE, TRUNCATE or TRIGGER on audit_events`);
  if (!r.superuser && r.create)
    problems.push(`the database role ${r.role} may CREATE in the schema of audit_events`);
  return problems;
}

/**
 * Creates (or resets) a LOGIN role that owns nothing and may not create roles or databases, with the
 * given password. Safe to run concurrently and on every start: roles are cluster-wide.
 */
export async function ensureLoginRole(adminUrl: string, role: string, password: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const name = admin.escapeIdentifier(role);
    await admin.query(`do $$ begin
        create role ${name};
      exception when duplicate_object or unique_violation then null;
      end $$`);
    await admin.query(
      `alter role ${name} with login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls
         password ${admin.escapeLiteral(password)}`,
    );
  } finally {
    await admin.end();
  }
}

/** The same server and database as `url`, as another role. */
export function urlAs(url: string, role: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(password);
  return u.toString();
}
