import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/domain/caller.js';
import { testEnv } from './env.js';
import { startPlatformProcess } from './platform-process.js';

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
 * `databaseUrl` and the shared Temporal server, on a free loopback port.
 */
export async function startApiProcess(opts: {
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<ApiProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'audit-api-process-'));
  const adminToken = `pt_test_${randomBytes(16).toString('hex')}`;
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const api = await startPlatformProcess({
    entry: 'api',
    env: {
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
      AUDIT_ADMIN_TOKEN: adminToken,
      AUDIT_DATA_DIR: dataDir,
      AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...opts.env,
    },
  });
  return {
    url: api.url,
    port: api.port,
    adminToken,
    start: api.start,
    stop: api.stop,
    async createKey({ tenantId, role, workspaceIds }) {
      const res = await fetch(`${api.url}/v1/admin/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, role, workspaceIds }),
      });
      const body = (await res.json()) as { key?: string };
      if (res.status !== 201 || !body.key) {
        throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(body)}`);
      }
      return body.key;
    },
    async close() {
      await api.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
