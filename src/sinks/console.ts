import type { ConsoleSinkConfig } from '../domain/sink.js';
import type { SinkDriver } from './driver.js';

/**
 * One wire-JSON line per event on the delivering process's stdout (the worker's, in a split
 * deployment), for log shippers that already collect the container's output. The logger writes its own
 * JSON lines there too; these have no "level" or "msg", only the event's own keys.
 */
export function createConsoleDriver(
  opts: { write?: (chunk: string) => Promise<void> } = {},
): SinkDriver<ConsoleSinkConfig> {
  const write =
    opts.write ??
    ((chunk: string) =>
      new Promise<void>((resolve, reject) =>
        process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())),
      ));
  return {
    type: 'console',
    batchLimits: { maxEvents: 1000, maxBytes: 4 * 1024 * 1024 },
    describe: () => 'console (stdout)',
    warnings: () => [],
    async deliver(batch) {
      // One write for the whole batch: lines of concurrent batches (other sinks) never interleave mid-line.
      await write(`${batch.lines.join('\n')}\n`);
      return { delivered: batch.events.length, requests: 1 };
    },
  };
}
