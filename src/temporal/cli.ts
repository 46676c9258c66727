import { execFile, spawnSync } from 'node:child_process';
import { access, constants, mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** The newest CLI tag that `go install` accepts (later ones carry a replace directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export interface FindCliOptions {
  /** AUDIT_TEMPORAL_CLI: an explicit path wins. */
  configuredPath?: string;
  cacheDir?: string;
  log?: (message: string) => void;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'audit-platform', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Finds the Temporal CLI (explicit path, PATH, our cache) or builds it once with `go install` into the
 * cache, outside the work tree. Concurrent callers wait on a lock directory instead of building twice.
 */
export async function findOrBuildTemporalCli(opts: FindCliOptions = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  if (opts.configuredPath) {
    if (await isExecutable(opts.configuredPath)) return opts.configuredPath;
    throw new Error(`AUDIT_TEMPORAL_CLI=${opts.configuredPath} is not an executable file`);
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return fromPath;

  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const cached = join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;

  if (!goAvailable()) {
    throw new Error(
      'No Temporal CLI found. Install it (https://docs.temporal.io/cli) and put it on PATH, set AUDIT_TEMPORAL_CLI, ' +
        'set TEMPORAL_ADDRESS to use an existing server, or install Go so it can be built automatically.',
    );
  }

  await mkdir(cacheDir, { recursive: true });
  const lock = join(cacheDir, '.building');
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (await isExecutable(cached)) return cached;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for another build of the Temporal CLI (${lock})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (await isExecutable(cached)) return cached;
    log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (one time, a few minutes)...`);
    await promisify(execFile)('go', ['install', `${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: cacheDir, CGO_ENABLED: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!(await isExecutable(cached))) throw new Error(`go install finished but ${cached} is missing`);
    log(`Temporal CLI cached at ${cached}`);
    return cached;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
