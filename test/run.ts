/**
 * `npm test`: starts the shared infrastructure once (a real Temporal dev server, a real PostgreSQL
 * with a migrated template database, the workflow bundle), then runs node's test runner over the
 * test files, each in its own process with its own database cloned from the template.
 *
 *   npm test                      every test file
 *   npm test -- test/events       only files under a folder (or name files)
 *   npm run histories:record      re-record the workflow histories the replay test checks
 *
 * TEST_DATABASE_URL (a server where databases may be created) replaces the embedded PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { ensureLoginRole, grantRuntimePrivileges } from '../src/db/runtime-role.js';
import { type EmbeddedDatabase, freePort, startEmbeddedPostgres } from '../src/runtime/embedded-postgres.js';
import { findOrBuildTemporalCli } from '../src/temporal/cli.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { WORKFLOWS_PATH } from '../src/temporal/worker.js';
import { TEST_RUNTIME_PASSWORD, TEST_RUNTIME_ROLE } from './helpers/db.js';

const TEMPLATE_DB = 'audit_test_template';

async function findTestFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(p: string) {
    const s = await stat(p);
    if (s.isDirectory()) {
      for (const entry of (await readdir(p)).sort()) await walk(join(p, entry));
    } else if (p.endsWith('.test.ts')) {
      out.push(p);
    }
  }
  for (const p of paths.length > 0 ? paths : ['test']) {
    // A file named explicitly runs whatever its name (e.g. the workflow history recorder).
    if ((await stat(p)).isFile()) out.push(p);
    else await walk(p);
  }
  return out;
}

function log(message: string) {
  process.stderr.write(`[test] ${message}\n`);
}

async function prepareDatabase(workDir: string): Promise<{ adminUrl: string; embedded?: EmbeddedDatabase }> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedDatabase | undefined;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres(join(workDir, 'postgres'), 'postgres');
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Leftovers of an interrupted run on a shared server would otherwise accumulate.
  const stale = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'audit_test_%'",
  );
  for (const { datname } of stale.rows)
    await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  await admin.end();
  // The suite runs as the application would: the template's grants go to a runtime role that owns
  // nothing, and every clone keeps them. Roles are cluster-wide: created once, idempotently.
  await ensureLoginRole(adminUrl, TEST_RUNTIME_ROLE, TEST_RUNTIME_PASSWORD);

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const pool = createPool(templateUrl.toString(), 1);
  await migrate(pool);
  await grantRuntimePrivileges(pool, TEST_RUNTIME_ROLE);
  await pool.end();
  return { adminUrl, embedded };
}

async function main() {
  const started = Date.now();
  const files = await findTestFiles(process.argv.slice(2));
  if (files.length === 0) throw new Error('no test files found');
  const workDir = await mkdtemp(join(tmpdir(), 'audit-test-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to reach its cluster directory.
  await chmod(workDir, 0o755);
  const cleanups: Array<() => Promise<unknown>> = [() => rm(workDir, { recursive: true, force: true })];
  let exitCode = 1;
  try {
    const cliPath = await findOrBuildTemporalCli({ configuredPath: process.env.AUDIT_TEMPORAL_CLI, log });
    const [temporal, database, bundle] = await Promise.all([
      startTemporalDevServer({ cliPath, port: await freePort(), uiPort: 0, namespace: 'default', ui: false }),
      prepareDatabase(workDir),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: undefined }),
    ]);
    cleanups.push(() => temporal.stop());
    if (database.embedded) cleanups.push(() => database.embedded!.stop());
    const bundlePath = join(workDir, 'workflow-bundle.js');
    await writeFile(bundlePath, bundle.code);
    log(
      `infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)} s; running ${files.length} files`,
    );

    const concurrency = process.env.TEST_CONCURRENCY ?? '2';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        ...files.map((f) => relative('.', f)),
      ],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          NODE_ENV: 'test',
          AUDIT_TEST_ADMIN_DATABASE_URL: database.adminUrl,
          AUDIT_TEST_TEMPLATE_DB: TEMPLATE_DB,
          AUDIT_TEST_TEMPORAL_ADDRESS: temporal.address,
          AUDIT_TEMPORAL_CLI: cliPath,
          AUDIT_WORKFLOW_BUNDLE: bundlePath,
        },
      },
    );
    const stopChild = () => child.kill('SIGTERM');
    process.once('SIGINT', stopChild);
    process.once('SIGTERM', stopChild);
    exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
