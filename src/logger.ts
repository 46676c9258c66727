import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * Fields every log line made while handling one request carries (its request id), whichever logger
 * call makes it: the error handler, a route, a sink notification. Set by the access-log middleware.
 */
export const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** JSON lines on stdout. Secrets are redacted by path wherever they could appear. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'audit-platform', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A copy: pino merges each call's fields into the object the mixin returns.
    mixin: () => ({ ...logContext.getStore() }),
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
