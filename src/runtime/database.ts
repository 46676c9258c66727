import { migrate } from '../db/migrate.js';
import { createPool, type Pool } from '../db/pool.js';
import { currentRole, grantRuntimePrivileges, runtimeRoleProblems } from '../db/runtime-role.js';
import type { Logger } from '../logger.js';

export interface PrepareDatabaseOptions {
  /** The runtime pool (DATABASE_URL): what the API and the worker use. */
  pool: Pool;
  /** The owner's connection (DATABASE_MIGRATION_URL); without it the runtime pool migrates. */
  migrationUrl?: string;
  /** Who gets the runtime privileges (AUDIT_DB_RUNTIME_ROLE); defaults to DATABASE_URL's role. */
  runtimeRole?: string;
  logger: Logger;
  /** Warn when the runtime pool could change events (off for a migration job that has no runtime pool). */
  checkRuntime?: boolean;
}

/**
 * Migrates as the owner, grants the runtime role its privileges, then checks the runtime connection:
 * one that could change stored events (a superuser, the owner) is logged as a warning, not refused,
 * so a single-URL deployment keeps starting (docs/OPERATIONS.md, "Database roles").
 */
export async function prepareDatabase(opts: PrepareDatabaseOptions): Promise<void> {
  const owner = opts.migrationUrl ? createPool(opts.migrationUrl, 1) : opts.pool;
  try {
    const applied = await migrate(owner);
    if (applied.length > 0) opts.logger.info({ migrations: applied }, 'migrations applied');
    const runtimeRole = opts.runtimeRole ?? (opts.migrationUrl ? await currentRole(opts.pool) : undefined);
    if (runtimeRole !== undefined && runtimeRole !== (await currentRole(owner))) {
      await grantRuntimePrivileges(owner, runtimeRole);
      opts.logger.debug({ runtimeRole }, 'runtime role privileges granted');
    }
  } finally {
    if (owner !== opts.pool) await owner.end();
  }
  if (opts.checkRuntime === false) return;
  for (const problem of await runtimeRoleProblems(opts.pool)) {
    opts.logger.warn(
      { problem },
      `${problem}: it could change or remove stored events; connect as a runtime role (docs/OPERATIONS.md, "Database roles")`,
    );
  }
}
