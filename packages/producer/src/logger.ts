/** Where the relay reports; pino, bunyan and winston loggers fit (object first, message second). */
export interface RelayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

// pino's level numbers, so the default lines sit next to a pino service's own.
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** The default: one JSON line per entry on stdout, in pino's shape, without a logging dependency. */
export function jsonLineLogger(base: Record<string, unknown>): RelayLogger {
  const write = (level: keyof typeof LEVELS) => (obj: object, msg: string) => {
    process.stdout.write(
      `${JSON.stringify({ level: LEVELS[level], time: new Date().toISOString(), ...base, ...obj, msg })}\n`,
    );
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
