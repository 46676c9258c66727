import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { AppEnv } from './env.js';

const INGEST_ROUTE = '/v1/audit/events';

/**
 * The route pattern that answered: the last matched route that is not a middleware (those are
 * registered for every method). Paths that match no route share one label, so a scan of random URLs
 * cannot grow the label set.
 */
export function routeLabel(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
  return route?.path ?? 'unmatched';
}

/** Problem type slug of an error answer ("/problems/validation-error" → "validation-error"). */
async function problemSlug(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { type?: string };
    return body.type?.split('/').pop() || `http-${res.status}`;
  } catch {
    return `http-${res.status}`;
  }
}

/** Request latency for every answer, and ingest rejections by reason (including 401/413/415/429). */
export function requestMetrics(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = routeLabel(c);
    const status = c.res.status;
    metrics.request(c.req.method, route, status, (performance.now() - started) / 1000);
    if (route === INGEST_ROUTE && c.req.method === 'POST' && status >= 400) {
      metrics.ingestRejected(await problemSlug(c.res));
    }
  };
}
