import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Processes an earlier run left behind. `npm start` killed with SIGKILL (or a machine that lost power
 * halfway) cannot stop the PostgreSQL and Temporal dev server it started; both keep running on the data
 * directory. The next start finds them through their pid files and stops them before starting its own.
 */

/** Whether a process exists (EPERM: it does, under another user, e.g. PostgreSQL run as `postgres`). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process ('' once it is gone), to tell ours from a recycled pid. */
export function commandLine(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** The pid on the first line of a pid file, if there is one. */
export async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Sends `signal`, waits up to `graceMs` for the process to end, then SIGKILL. */
export async function stopProcess(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Stops the process a pid file names when it is alive and its command line mentions `marker` (the
 * data directory path it was started on). Answers the pid it stopped.
 */
export async function stopLeftover(
  pidFile: string,
  marker: string,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<number | undefined> {
  const pid = await readPid(pidFile);
  if (pid === undefined || pid === process.pid || !processAlive(pid)) return undefined;
  if (!commandLine(pid).includes(marker)) return undefined;
  await stopProcess(pid, signal, graceMs);
  return pid;
}

export class DataDirInUseError extends Error {}

/**
 * One platform process at a time owns a data directory's embedded PostgreSQL and Temporal dev server.
 * A live owner is refused with what to do; a dead one's leftovers are then safe to stop.
 */
export async function claimDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const file = join(dataDir, 'platform.pid');
  const owner = await readPid(file);
  if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
    const command = commandLine(owner);
    if (/\bnode\b|tsx/.test(command)) {
      throw new DataDirInUseError(
        `another audit platform process (pid ${owner}: ${command}) runs on the data directory ${dataDir}. ` +
          `Stop it (kill ${owner}) or give this one its own AUDIT_DATA_DIR.`,
      );
    }
  }
  await writeFile(file, `${process.pid}\n`);
  return {
    async release() {
      if ((await readPid(file)) === process.pid) await rm(file, { force: true });
    },
  };
}
