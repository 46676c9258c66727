import type { MiddlewareHandler } from 'hono';
import { type Logger, logContext } from '../logger.js';
import type { AppEnv } from './env.js';
import { routeLabel } from './request-metrics.js';

/**
 * One `info` line per request: method, route pattern (never the raw path, which holds ids), status,
 * duration, request id and tenant. Never a header, so never a token. Every line logged while the
 * request runs carries its request id, so an id a customer reports finds all of them.
 */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    logContext.run({ requestId: c.get('requestId') }, async () => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const caller = c.get('caller');
        // The platform token acts in the tenant it names; other callers in their own.
        const tenantId = caller?.tenantId ?? (caller ? c.req.query('tenantId') : undefined) ?? null;
        logger.info(
          {
            method: c.req.method,
            route: routeLabel(c),
            status: c.res.status,
            ms: +(performance.now() - started).toFixed(2),
            tenantId,
          },
          'request',
        );
      }
    });
}
