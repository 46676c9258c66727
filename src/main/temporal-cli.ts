import { loadConfig } from '../config.js';
import { findOrBuildTemporalCli } from '../temporal/cli.js';

// `npm run temporal:cli`: prints the path of the Temporal CLI, building and caching it if needed.
// .ci/run uses it so the one-time build happens before the tests start their clocks.
try {
  const { temporal } = loadConfig();
  console.log(
    await findOrBuildTemporalCli({ configuredPath: temporal.cliPath, log: (m) => console.error(m) }),
  );
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
