import { type ChildProcess, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { stopLeftover } from '../runtime/leftovers.js';
import { devServerSearchAttributeArgs } from './search-attributes.js';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Persistent SQLite file; omitted means in-memory (tests). */
  dbFilename?: string;
  ui: boolean;
  log?: (line: string) => void;
  /** Where to record the server's pid, so a start after a crash can find it (stopLeftoverDevServer). */
  pidFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Stops a dev server an earlier run left on this SQLite file (its pid in `pidFile`, the file on its
 * command line). Answers its pid when there was one.
 */
export async function stopLeftoverDevServer(
  pidFile: string,
  dbFilename: string,
): Promise<number | undefined> {
  return stopLeftover(pidFile, dbFilename, 'SIGTERM', 15_000);
}

/** Starts `temporal server start-dev` and resolves once its frontend answers. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'error',
    ...devServerSearchAttributeArgs(),
  ];
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  if (opts.ui) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pidFile = opts.pidFile;
  if (pidFile && child.pid !== undefined) await writeFile(pidFile, `${child.pid}\n`);
  let output = '';
  const capture = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    for (const line of text.split('\n')) if (line.trim()) opts.log?.(line);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([
      exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 250)),
    ]);
    if (early !== 'running') {
      throw new Error(`the Temporal dev server exited with code ${early} before it was ready:\n${output}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: opts.namespace });
      } finally {
        await connection.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `the Temporal dev server did not become ready in 60 s: ${(err as Error).message}\n${output}`,
        );
      }
    }
  }

  return {
    address,
    uiUrl: opts.ui ? `http://127.0.0.1:${opts.uiPort}` : null,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      if (pidFile) await rm(pidFile, { force: true });
    },
  };
}
