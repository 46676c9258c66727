import { createRoute, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { ValidationError } from '../domain/errors.js';
import type { App, AppDeps } from '../http/app.js';
import { zodFieldErrors } from '../http/problem.js';
import { problemResponses } from './problem-responses.js';

const Health = z
  .object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() })
  .openapi('Health', { example: { status: 'ready', checks: { database: 'ok', temporal: 'ok' } } });

const CHECKS = ['database', 'temporal'] as const;

// A probe configured with a parameter these routes do not understand is told so (400) instead of
// having it silently ignored.
const LivenessQuery = z.object({}).strict();
const ReadinessQuery = z
  .object({
    exclude: z
      .string()
      .regex(
        new RegExp(`^(${CHECKS.join('|')})(,(${CHECKS.join('|')}))*$`),
        `a comma-separated list of ${CHECKS.join(', ')}`,
      )
      .optional()
      .openapi({
        description:
          'Checks to leave out, comma-separated. The API tier can probe `exclude=temporal`: ingest and reads need PostgreSQL only.',
        example: 'temporal',
      }),
  })
  .strict();

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'checkLiveness',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  description: 'Takes no parameters; an unknown query parameter is answered with 400.',
  security: [],
  request: { query: LivenessQuery },
  responses: {
    200: {
      description: 'alive',
      content: { 'application/json': { schema: Health, example: { status: 'ok' } } },
    },
    ...problemResponses(400),
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'checkReadiness',
  tags: ['operations'],
  summary: 'Readiness: the database and Temporal are reachable',
  security: [],
  request: { query: ReadinessQuery },
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: Health } } },
    ...problemResponses(400),
    503: {
      description: 'a dependency is down',
      content: {
        'application/json': {
          schema: Health,
          example: {
            status: 'unavailable',
            checks: { database: 'ok', temporal: 'Temporal did not answer within 2000 ms' },
          },
        },
      },
    },
  },
});

/** The worker's health app has no default hook: bad parameters become a problem here. */
function problemOnInvalidQuery(result: { success: true } | { success: false; error: ZodError }): undefined {
  if (!result.success) {
    throw new ValidationError('the query is invalid', { errors: zodFieldErrors(result.error, 'query') });
  }
  return undefined;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

export function registerHealthRoutes(app: App, deps: Pick<AppDeps, 'pool' | 'checkTemporal'>): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' }, 200), problemOnInvalidQuery);
  app.openapi(
    readyz,
    async (c) => {
      const excluded = new Set(c.req.valid('query').exclude?.split(',') ?? []);
      const probes: Record<(typeof CHECKS)[number], () => Promise<unknown>> = {
        database: () => withTimeout(deps.pool.query('select 1'), 2000, 'the database'),
        temporal: () => withTimeout(deps.checkTemporal(), 2000, 'Temporal'),
      };
      const names = CHECKS.filter((name) => !excluded.has(name));
      const results = await Promise.allSettled(names.map((name) => probes[name]()));
      const checks: Record<string, string> = {};
      names.forEach((name, i) => {
        const r = results[i]!;
        checks[name] = r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message);
      });
      const ready = results.every((r) => r.status === 'fulfilled');
      return ready
        ? c.json({ status: 'ready', checks }, 200)
        : c.json({ status: 'unavailable', checks }, 503);
    },
    problemOnInvalidQuery,
  );
}
