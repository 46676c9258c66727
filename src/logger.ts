import { pino } from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stdout. Secrets are redacted by path wherever they could appear. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'audit-platform', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        '*.authorization',
        '*.secret',
        '*.config.secret',
        '*.previousSecret',
        '*.config.previousSecret',
        '*.config.externalId',
        '*.config.headers',
        'key',
        'token',
      ],
      censor: '***',
    },
  });
}
