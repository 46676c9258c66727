import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Role } from '../../src/domain/caller.js';
import { startPlatformProcess } from '../../test/helpers/platform-process.js';

export interface PlatformProcess {
  pid: number;
  url: string;
  /** Peak and current resident set size in MiB (VmHWM, VmRSS from /proc/<pid>/status). */
  memory(): Promise<{ peakMiB: number; rssMiB: number }>;
  /** CPU time (user + system) the process has used so far, in seconds (/proc/<pid>/stat). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

export interface Deployment {
  api: PlatformProcess;
  worker?: PlatformProcess;
  adminToken: string;
  createKey(opts: { tenantId?: string; role: Role; workspaceIds?: string[] | null }): Promise<string>;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  databaseUrl: string;
  temporalAddress: string;
  workDir: string;
  /** Also run a worker process (rollup, sink delivery, schedules). */
  worker?: { workflowBundle: string };
  env?: Record<string, string>;
  /** Extra node flags for both processes (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

/** Every platform process still running, so an interrupted run can stop them all. */
const running = new Set<PlatformProcess>();

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

async function startProcess(entry: 'api' | 'worker', env: Record<string, string>, nodeFlags: string[]) {
  // BENCH_ENTRY=dist runs the compiled build (`npm run build` first), as the Dockerfile does.
  const proc = await startPlatformProcess({
    entry,
    env,
    nodeFlags,
    compiled: process.env.BENCH_ENTRY === 'dist',
  });
  const handle: PlatformProcess = {
    pid: proc.pid()!,
    url: proc.url,
    memory: proc.memory,
    cpuSeconds: proc.cpuSeconds,
    async stop() {
      running.delete(handle);
      await proc.stop();
    },
  };
  running.add(handle);
  return handle;
}

/**
 * The platform as it is deployed for scale-out: `src/main/api.ts` and, when asked, `src/main/worker.ts`
 * in processes of their own (so their memory can be read and the load generator does not share their
 * event loop), against one database and one Temporal server, on a task queue of their own.
 */
export async function startDeployment(opts: DeploymentOptions): Promise<Deployment> {
  const adminToken = `pt_bench_${randomBytes(16).toString('hex')}`;
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_ADMIN_TOKEN: adminToken,
    AUDIT_DATA_DIR: join(opts.workDir, taskQueue),
    AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...opts.env,
  };
  const flags = [...(opts.nodeFlags ?? [])];
  // `npm run bench -- <name> --cpu-prof=<dir>`: every platform process writes a V8 CPU profile there.
  if (process.env.BENCH_CPU_PROF_DIR)
    flags.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`);
  const api = await startProcess('api', env, flags);
  let worker: PlatformProcess | undefined;
  try {
    if (opts.worker)
      worker = await startProcess(
        'worker',
        { ...env, AUDIT_WORKFLOW_BUNDLE: opts.worker.workflowBundle },
        flags,
      );
  } catch (err) {
    await api.stop();
    throw err;
  }
  return {
    api,
    worker,
    adminToken,
    async createKey({ tenantId, role, workspaceIds }) {
      const res = await fetch(`${api.url}/v1/admin/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, role, workspaceIds }),
      });
      const body = (await res.json()) as { key?: string };
      if (res.status !== 201 || !body.key)
        throw new Error(`creating a key failed: ${res.status} ${JSON.stringify(body)}`);
      return body.key;
    },
    async stop() {
      await Promise.all([api.stop(), worker?.stop()]);
    },
  };
}
