import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import type { Role } from '../../src/domain/caller.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime/platform.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { testEnv } from './env.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (for malformed bodies); overrides body. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestPlatform {
  url: string;
  db: TestDatabase;
  adminToken: string;
  taskQueue: string;
  platform: RunningPlatform;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  createKey(opts: { tenantId?: string; role: Role; workspaceIds?: string[] | null }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The real platform (API and worker, as `npm start` wires them) on a fresh database, the shared
 * Temporal dev server and a task queue of its own, listening on a free port.
 */
export async function startTestPlatform(
  env: Record<string, string> = {},
  opts: { api?: boolean; worker?: boolean; logger?: Logger } = {},
): Promise<TestPlatform> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'audit-platform-test-'));
  const adminToken = `pt_test_${randomBytes(16).toString('hex')}`;
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    DATABASE_MIGRATION_URL: db.ownerUrl,
    TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_DATA_DIR: dataDir,
    AUDIT_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const logger = opts.logger ?? createLogger(config.logLevel);
  const platform = await startPlatform(config, logger, {
    api: opts.api ?? true,
    worker: opts.worker ?? true,
    embedded: false,
    workflowBundlePath: testEnv('AUDIT_WORKFLOW_BUNDLE'),
  });
  const url = platform.apiUrl ?? '';

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? adminToken : o.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  return {
    url,
    db,
    adminToken,
    taskQueue,
    platform,
    request,
    async createKey({ tenantId, role, workspaceIds }) {
      const res = await request<{ key: string }>('POST', '/v1/admin/api-keys', {
        body: { tenantId, role, workspaceIds },
      });
      if (res.status !== 201)
        throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.key;
    },
    async stop() {
      await platform.stop();
      // An empty prefix would match every other test's schedules too.
      if (config.temporal.idPrefix !== '') await deleteSchedules(config.temporal.idPrefix);
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Schedules outlive workers: delete this platform's (promotion, metrics snapshot…) so per-test
 * schedules do not pile up on the shared Temporal server and keep firing at nobody.
 */
async function deleteSchedules(idPrefix: string): Promise<void> {
  const connection = await Connection.connect({ address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS') });
  try {
    const client = new Client({ connection, namespace: 'default' });
    for await (const schedule of client.schedule.list()) {
      if (schedule.scheduleId.startsWith(idPrefix)) {
        await client.schedule
          .getHandle(schedule.scheduleId)
          .delete()
          .catch(() => {});
      }
    }
  } finally {
    await connection.close();
  }
}
