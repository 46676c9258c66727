import { ConfigError, loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { prepareDatabase } from '../runtime/database.js';

// `npm run migrate` (`node dist/src/main/migrate.js`): a one-off job that applies the migrations as the
// owner and grants the runtime role its privileges, so the long-running API and worker processes need
// only the runtime credential (docs/OPERATIONS.md, "Database roles"). The owner's connection is
// DATABASE_MIGRATION_URL, or DATABASE_URL when that is the only one; the runtime role is
// AUDIT_DB_RUNTIME_ROLE, or DATABASE_URL's role when both URLs are set.
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const logger = createLogger(config.logLevel);
const { url, migrationUrl, runtimeRole } = config.database;
if (!url && !migrationUrl) {
  console.error('DATABASE_MIGRATION_URL (or DATABASE_URL) is required');
  process.exit(2);
}
const pool = createPool((url ?? migrationUrl)!, 1);
try {
  await prepareDatabase({
    pool,
    migrationUrl: url ? migrationUrl : undefined,
    runtimeRole,
    logger,
    checkRuntime: Boolean(url && migrationUrl),
  });
  logger.info('database migrated');
} catch (err) {
  logger.fatal({ err }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
