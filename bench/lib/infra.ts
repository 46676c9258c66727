import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { freePort, startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { findOrBuildTemporalCli } from '../../src/temporal/cli.js';
import { startTemporalDevServer } from '../../src/temporal/dev-server.js';
import { WORKFLOWS_PATH } from '../../src/temporal/worker.js';

export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * What benchmarks run against, started on first use and stopped by close(): a PostgreSQL server
 * (embedded, or BENCH_DATABASE_URL / TEST_DATABASE_URL), a Temporal dev server, kinesalite and the
 * pre-built workflow bundle. Each benchmark asks for a fresh database of its own.
 */
export class Infra {
  readonly workDir: Promise<string>;
  private readonly cleanups: Array<() => Promise<unknown>> = [];
  private adminUrl?: Promise<string>;
  private temporal?: Promise<string>;
  private kinesis?: Promise<string>;
  private bundle?: Promise<string>;
  private databases: string[] = [];

  constructor() {
    this.workDir = mkdtemp(join(tmpdir(), 'audit-bench-')).then(async (dir) => {
      // As root, PostgreSQL runs as the postgres user, which must reach its cluster directory.
      await chmod(dir, 0o755);
      this.cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    });
  }

  private postgres(): Promise<string> {
    this.adminUrl ??= (async () => {
      const external = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
      if (external) return external;
      const db = await startEmbeddedPostgres(join(await this.workDir, 'postgres'), 'postgres');
      this.cleanups.push(() => db.stop());
      return db.url;
    })();
    return this.adminUrl;
  }

  /** A new, migrated database; dropped on close(). */
  async database(): Promise<string> {
    const adminUrl = await this.postgres();
    const name = `audit_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`).finally(() => admin.end());
    this.databases.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const pool = createPool(url.toString(), 1);
    await migrate(pool).finally(() => pool.end());
    return url.toString();
  }

  temporalAddress(): Promise<string> {
    this.temporal ??= (async () => {
      const cliPath = await findOrBuildTemporalCli({
        configuredPath: process.env.AUDIT_TEMPORAL_CLI,
        log: note,
      });
      const server = await startTemporalDevServer({
        cliPath,
        port: await freePort(),
        uiPort: 0,
        namespace: 'default',
        ui: false,
      });
      this.cleanups.push(() => server.stop());
      return server.address;
    })();
    return this.temporal;
  }

  /** Kinesalite (an in-memory Kinesis API) in a process of its own (bench/lib/kinesalite-server.ts); answers its endpoint. */
  kinesalite(): Promise<string> {
    this.kinesis ??= (async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./kinesalite-server.ts', import.meta.url))],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const exited = once(child, 'exit');
      this.cleanups.push(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await exited;
      });
      const [line] = (await Promise.race([
        once(createInterface({ input: child.stdout! }), 'line'),
        exited.then(() => {
          throw new Error('kinesalite exited before it listened');
        }),
      ])) as [string];
      return `http://127.0.0.1:${Number(line)}`;
    })();
    return this.kinesis;
  }

  /** The workflow bundle, built once, as production ships it (dist/workflow-bundle.js). */
  workflowBundle(): Promise<string> {
    this.bundle ??= (async () => {
      const { code } = await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        logger: new DefaultLogger('WARN'),
      });
      const path = join(await this.workDir, 'workflow-bundle.js');
      await writeFile(path, code);
      return path;
    })();
    return this.bundle;
  }

  private closing?: Promise<void>;

  /** Stops everything (once, however often it is called: a signal and the normal path may race). */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.adminUrl && this.databases.length > 0) {
      const admin = new pg.Client({ connectionString: await this.adminUrl });
      await admin.connect();
      for (const name of this.databases)
        await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    }
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => {});
  }
}
