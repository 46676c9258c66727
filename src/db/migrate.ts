import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkout } from './checkout.js';
import type { Pool } from './pool.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant works; it only has to be the same in every process that migrates this database.
export const MIGRATION_LOCK_KEY = 7_260_001;

interface MigrationFile {
  id: number;
  name: string;
  path: string;
}

async function listMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((f) => ({
    id: Number.parseInt(f.slice(0, 3), 10),
    name: f.replace(/\.sql$/, ''),
    path: join(dir, f),
  }));
}

/**
 * Applies forward-only migrations, each in its own transaction, and records them.
 * A session advisory lock makes concurrent starters (several API processes) wait for each other.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await listMigrations(dir);
  // Nothing to do is answered with reads only: the runtime role (which may not create tables) starts
  // against a database its owner has migrated.
  const pending = await pendingMigrations(pool, migrations);
  if (pending.length === 0) return [];
  const client = await checkout(pool);
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(`create table if not exists audit_migrations (
      id integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await client.query<{ id: number }>('select id from audit_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      const sql = await readFile(migration.path, 'utf8');
      try {
        await client.query('begin');
        await client.query(sql);
        await client.query('insert into audit_migrations (id, name) values ($1::int, $2::text)', [
          migration.id,
          migration.name,
        ]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(migration.name);
    }
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    if ((cause as { code?: string }).code === '42501') {
      throw new Error(
        `${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}) and this ` +
          `connection may not apply them (${(cause as Error).message}): run them as the owner, e.g. with ` +
          'DATABASE_MIGRATION_URL (docs/OPERATIONS.md, "Database roles")',
      );
    }
    throw err;
  } finally {
    await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

async function pendingMigrations(pool: Pool, migrations: MigrationFile[]): Promise<MigrationFile[]> {
  const exists = await pool.query<{ t: string | null }>(`select to_regclass('audit_migrations')::text as t`);
  if (exists.rows[0]?.t == null) return migrations;
  const { rows } = await pool.query<{ id: number }>('select id from audit_migrations');
  const done = new Set(rows.map((r) => r.id));
  return migrations.filter((m) => !done.has(m.id));
}
