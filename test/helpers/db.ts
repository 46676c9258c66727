import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/pool.js';
import { urlAs } from '../../src/db/runtime-role.js';
import { testEnv } from './env.js';

/**
 * The runtime role every test database grants its privileges to (test/run.ts creates it once: roles
 * are cluster-wide). The platform under test connects as it, as the API and the worker would.
 */
export const TEST_RUNTIME_ROLE = 'audit_test_app';
export const TEST_RUNTIME_PASSWORD = 'audit_test_app';

export interface TestDatabase {
  /** As the runtime role (or the owner, with `{ role: 'owner' }`). */
  url: string;
  pool: Pool;
  /** As the owner (the admin that cloned it): migrations, fixtures the application may not write. */
  ownerUrl: string;
  ownerPool: Pool;
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from the migrated template: each test file gets its own. `url` and `pool`
 * connect as the runtime role unless `role: 'owner'` (a producer's own database, which creates its
 * outbox schema).
 */
export async function createTestDatabase(opts: { role?: 'runtime' | 'owner' } = {}): Promise<TestDatabase> {
  const adminUrl = testEnv('AUDIT_TEST_ADMIN_DATABASE_URL');
  const template = testEnv('AUDIT_TEST_TEMPLATE_DB');
  const name = `audit_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const owner = new URL(adminUrl);
  owner.pathname = `/${name}`;
  const ownerUrl = owner.toString();
  const url = opts.role === 'owner' ? ownerUrl : urlAs(ownerUrl, TEST_RUNTIME_ROLE, TEST_RUNTIME_PASSWORD);
  const pool = createPool(url, 10);
  const ownerPool = opts.role === 'owner' ? pool : createPool(ownerUrl, 3);
  return {
    url,
    pool,
    ownerUrl,
    ownerPool,
    async drop() {
      await pool.end();
      if (ownerPool !== pool) await ownerPool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`).finally(() => a.end());
    },
  };
}
