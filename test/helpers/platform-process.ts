import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PRODUCTION_NODE_FLAGS } from '../../src/main/node-flags.js';
import { freePort } from '../../src/runtime/embedded-postgres.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** src/main/<entry>.ts: `dev` is `npm start` (embedded dependencies), `api` and `worker` one tier each. */
export type PlatformEntry = 'dev' | 'api' | 'worker';

export interface PlatformProcess {
  readonly entry: PlatformEntry;
  /** Where /healthz and /readyz (and, for the API, the API) answer. */
  readonly url: string;
  readonly port: number;
  pid(): number | undefined;
  output(): string;
  /** Peak and current resident set size in MiB (VmHWM, VmRSS of /proc/<pid>/status). */
  memory(): Promise<{ peakMiB: number; rssMiB: number }>;
  /** CPU time (user + system) the process has used so far, in seconds (/proc/<pid>/stat). */
  cpuSeconds(): Promise<number>;
  /** SIGKILL: no cleanup of any kind, as a crashed machine would. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits for /readyz. */
  start(): Promise<void>;
}

/**
 * A platform entry point in a separate OS process (as `npm start`, `npm run start:api` and
 * `start:worker` run them), on a free loopback port, ready when its /readyz answers 200.
 * An empty value in `env` unsets a variable for the child (the config reads "" as unset).
 * `node --import tsx` rather than npx: one process, so signals reach the platform itself.
 * `api` and `worker` run with PRODUCTION_NODE_FLAGS, as those scripts and the image run them.
 */
export async function startPlatformProcess(opts: {
  entry: PlatformEntry;
  env: Record<string, string>;
  nodeFlags?: string[];
  /** Run the compiled `dist/src/main/<entry>.js` (what the image runs) instead of the TypeScript source. */
  compiled?: boolean;
}): Promise<PlatformProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ...opts.env, PORT: String(port), HOST: '127.0.0.1' };
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  async function start() {
    if (child) throw new Error(`the ${opts.entry} process is already running`);
    output = '';
    const proc = spawn(
      process.execPath,
      [
        ...(opts.entry === 'dev' ? [] : PRODUCTION_NODE_FLAGS),
        ...(opts.nodeFlags ?? []),
        ...(opts.compiled
          ? [`dist/src/main/${opts.entry}.js`]
          : ['--import', 'tsx', `src/main/${opts.entry}.ts`]),
      ],
      {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child !== proc) throw new Error(`the ${opts.entry} process exited before it was ready:\n${output}`);
      const ready = await fetch(`${url}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`the ${opts.entry} process was not ready within 120 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function signal(sig: NodeJS.Signals, graceMs: number) {
    const proc = child;
    if (!proc) return;
    proc.kill(sig);
    const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  }

  await start();
  return {
    entry: opts.entry,
    url,
    port,
    pid: () => child?.pid,
    output: () => output,
    async memory() {
      const status = await readFile(`/proc/${child?.pid}/status`, 'utf8');
      const kib = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${child?.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    kill: () => signal('SIGKILL', 0),
    stop: () => signal('SIGTERM', 20_000),
    start,
  };
}
