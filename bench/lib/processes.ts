import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '../../src/domain/caller.js';
import { freePort } from '../../src/runtime/embedded-postgres.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

async function startProcess(entry: string, env: NodeJS.ProcessEnv, nodeFlags: string[]) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_ENTRY=dist runs the compiled build (`npm run build` first), as the Dockerfile does.
  const args =
    process.env.BENCH_ENTRY === 'dist'
      ? [...nodeFlags, `dist/${entry.replace(/\.ts$/, '.js')}`]
      : [...nodeFlags, '--import', 'tsx', entry];
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${entry} exited before it was ready:\n${output}`);
    const ready = await fetch(`${url}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${entry} was not ready within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const handle: PlatformProcess = {
    pid: proc.pid!,
    url,
    async memory() {
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${proc.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      running.delete(handle);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
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
  const env: NodeJS.ProcessEnv = {
    ...process.env,
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
  const api = await startProcess('src/main/api.ts', env, flags);
  let worker: PlatformProcess | undefined;
  try {
    if (opts.worker)
      worker = await startProcess(
        'src/main/worker.ts',
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
