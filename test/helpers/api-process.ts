import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '../../src/domain/caller.js';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { testEnv } from './env.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ApiProcess {
  url: string;
  port: number;
  adminToken: string;
  /** Starts the API again on the same port (after stop or kill). */
  start(): Promise<void>;
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
  createKey(opts: { tenantId?: string; role: Role; workspaceIds?: string[] | null }): Promise<string>;
  /** Stops the process (if running) and removes its data directory; the database is the caller's. */
  close(): Promise<void>;
}

/**
 * The real audit API (`src/main/api.ts`, as `npm run start:api` runs it) in a separate process against
 * `databaseUrl` and the shared Temporal server, on a free loopback port. Its output is kept and shown if
 * it fails to become ready.
 */
export async function startApiProcess(opts: {
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<ApiProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'audit-api-process-'));
  const adminToken = `pt_test_${randomBytes(16).toString('hex')}`;
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_ADMIN_TOKEN: adminToken,
    AUDIT_DATA_DIR: dataDir,
    AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...opts.env,
  };
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  async function start() {
    if (child) throw new Error('the API process is already running');
    output = '';
    // node --import tsx rather than npx: one process, so signals reach the API itself.
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main/api.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child !== proc) throw new Error(`the API process exited before it was ready:\n${output}`);
      const ready = await fetch(`${url}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    proc.kill('SIGKILL');
    throw new Error(`the API process did not become ready within 90 s:\n${output}`);
  }

  async function stop() {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }

  await start();
  return {
    url,
    port,
    adminToken,
    start,
    stop,
    async createKey({ tenantId, role, workspaceIds }) {
      const res = await fetch(`${url}/v1/admin/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, role, workspaceIds }),
      });
      const body = (await res.json()) as { key?: string };
      if (res.status !== 201 || !body.key)
        throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(body)}`);
      return body.key;
    },
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
