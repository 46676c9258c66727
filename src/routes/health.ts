import { createRoute, z } from '@hono/zod-openapi';
import type { App, AppDeps } from '../http/app.js';

const Health = z
  .object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() })
  .openapi('Health');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  security: [],
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: Health } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: the database and Temporal are reachable',
  security: [],
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: Health } } },
    503: { description: 'a dependency is down', content: { 'application/json': { schema: Health } } },
  },
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

export function registerHealthRoutes(app: App, deps: Pick<AppDeps, 'pool' | 'checkTemporal'>): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' }, 200));
  app.openapi(readyz, async (c) => {
    const [db, temporal] = await Promise.allSettled([
      withTimeout(deps.pool.query('select 1'), 2000, 'the database'),
      withTimeout(deps.checkTemporal(), 2000, 'Temporal'),
    ]);
    const checks = {
      database: db.status === 'fulfilled' ? 'ok' : String((db.reason as Error).message),
      temporal: temporal.status === 'fulfilled' ? 'ok' : String((temporal.reason as Error).message),
    };
    const ready = db.status === 'fulfilled' && temporal.status === 'fulfilled';
    return ready ? c.json({ status: 'ready', checks }, 200) : c.json({ status: 'unavailable', checks }, 503);
  });
}
