import { spawn, spawnSync } from 'node:child_process';
import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest CLI tag that `go install` accepts (later ones carry a replace directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

/** What a person can do instead of waiting for the build; said before the build starts. */
export const FASTER_WAYS =
  'Faster: install the Temporal CLI (https://docs.temporal.io/cli, e.g. `brew install temporal`) and put ' +
  '`temporal` on PATH, or set AUDIT_TEMPORAL_CLI=/path/to/temporal, or set TEMPORAL_ADDRESS=host:7233 to ' +
  'use a Temporal server you already run.';

export interface FindCliOptions {
  /** AUDIT_TEMPORAL_CLI: an explicit path wins. */
  configuredPath?: string;
  cacheDir?: string;
  /** Where the SDK's download lands; next to the build cache by default. */
  downloadDir?: string;
  log?: (message: string) => void;
  /** The SDK download is given this long (it fails within seconds without internet). */
  downloadTimeoutMs?: number;
  /** How often a running build reports progress. */
  progressIntervalMs?: number;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'audit-platform', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
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

/** The CLI a previous SDK download left in `dir` (the SDK names it after its version). */
async function downloaded(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names
    .filter((n) => n.startsWith('temporal'))
    .sort()
    .reverse()) {
    if (await isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * The Temporal SDK's own download of the CLI (machines with internet), in a child process that is
 * killed, with everything it started, when it takes longer than `timeoutMs`: it can never hang a start.
 */
async function sdkDownload(
  dir: string,
  timeoutMs: number,
  log: (m: string) => void,
): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  const here = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      join(dirname(here), `sdk-download-child${here.endsWith('.ts') ? '.ts' : '.js'}`),
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr!.on('data', (c) => {
    stderr = (stderr + c).slice(-2000);
  });
  const started = Date.now();
  const result = await new Promise<number | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
  if (result === 'timeout') {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
    // A half-written download must not be mistaken for the CLI next time.
    await rm(dir, { recursive: true, force: true });
    log(
      `The Temporal SDK's download of the CLI did not finish in ${minutes(timeoutMs)}; building it instead.`,
    );
    return undefined;
  }
  const found = result === 0 ? await downloaded(dir) : undefined;
  if (found) {
    log(`Temporal CLI downloaded by the Temporal SDK in ${minutes(Date.now() - started)}: ${found}`);
    return found;
  }
  await rm(dir, { recursive: true, force: true });
  const reason = stderr.trim().split('\n').at(-1) || `exit code ${result}`;
  log(`The Temporal SDK could not download the CLI (${reason}); building it instead.`);
  return undefined;
}

/** `go install -v` of the CLI into `gobin`, logging elapsed time and packages compiled every interval. */
async function goInstall(gobin: string, intervalMs: number, log: (m: string) => void): Promise<void> {
  const child = spawn('go', ['install', '-v', `${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail: string[] = [];
  let downloads = 0;
  let packages = 0;
  child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      if (line.startsWith('go: downloading')) downloads++;
      else if (!line.startsWith('go: ')) packages++;
      tail = [...tail, line].slice(-30);
    }
  });
  const started = Date.now();
  const progress = setInterval(() => {
    log(
      `Still building the Temporal CLI: ${minutes(Date.now() - started)} elapsed, ${downloads} modules ` +
        `downloaded, ${packages} packages compiled (about 15 min and 600 packages on a 2-core machine).`,
    );
  }, intervalMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`go install failed (exit code ${code}):\n${tail.join('\n')}`);
  } finally {
    clearInterval(progress);
  }
  log(`Temporal CLI built in ${minutes(Date.now() - started)}.`);
}

/**
 * Finds the Temporal CLI (explicit path, PATH, our cache), else gets it once: the Temporal SDK's
 * download where there is internet, otherwise `go install` into the cache, outside the work tree.
 * Concurrent callers wait on a lock directory instead of building twice.
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
  const downloadDir = opts.downloadDir ?? join(dirname(cacheDir), 'sdk-download');
  const cached = join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return cached;
  const fromSdk = await downloaded(downloadDir);
  if (fromSdk) return fromSdk;

  log(`No Temporal CLI found. ${FASTER_WAYS}`);
  await mkdir(cacheDir, { recursive: true });
  const lock = join(cacheDir, '.building');
  const deadline = Date.now() + 30 * 60_000;
  for (let waited = 0; ; waited++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (await isExecutable(cached)) return cached;
      const other = await downloaded(downloadDir);
      if (other) return other;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for another build of the Temporal CLI (${lock})`);
      if (waited % 15 === 0)
        log(`Waiting for another process to finish getting the Temporal CLI (${lock})...`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (await isExecutable(cached)) return cached;
    log('Trying the Temporal SDK download of the CLI (needs internet)...');
    const got = await sdkDownload(downloadDir, opts.downloadTimeoutMs ?? 120_000, log);
    if (got) return got;
    if (!goAvailable()) {
      throw new Error(
        `No Temporal CLI found, the download failed and Go is not installed to build it. ${FASTER_WAYS}`,
      );
    }
    log(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install, once: about 15 minutes on a ` +
        `2-core machine; cached in ${cacheDir}. ${FASTER_WAYS}`,
    );
    await goInstall(cacheDir, opts.progressIntervalMs ?? 30_000, log);
    if (!(await isExecutable(cached))) throw new Error(`go install finished but ${cached} is missing`);
    log(`Temporal CLI cached at ${cached}`);
    return cached;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
