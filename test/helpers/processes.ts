import { execFileSync } from 'node:child_process';

/** Every process on the machine: pid, parent pid, command line (`ps`). */
export function processTable(): Array<{ pid: number; ppid: number; args: string }> {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

/** Pids of processes whose command line names the directory (PostgreSQL, the Temporal dev server). */
export function processesUsing(dir: string): number[] {
  return processTable()
    .filter((p) => p.args.includes(dir) && !p.args.startsWith('ps '))
    .map((p) => p.pid);
}

/** Children, grandchildren… of a process. */
export function descendants(root: number): number[] {
  const all = processTable();
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const p of all.filter((q) => q.ppid === pid)) {
      out.push(p.pid);
      walk(p.pid);
    }
  };
  walk(root);
  return out;
}

/** Whether the process exists (EPERM: it does, under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills what is left of a test's processes (after a failure), by pid. */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
