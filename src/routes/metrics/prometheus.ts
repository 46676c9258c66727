import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import type { Authenticator } from '../../auth/tokens.js';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import type { AppEnv } from '../../http/env.js';
import { problemResponses } from '../problem-responses.js';

export interface PrometheusRouteDeps {
  registry: Registry;
  /** AUDIT_METRICS_PUBLIC: serve without credentials (a scraper on a private network). */
  public: boolean;
  authenticate: Authenticator;
}

const route = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getPrometheusMetrics',
  tags: ['operations'],
  summary: 'Prometheus metrics of this process',
  description:
    'Prometheus text format. Needs the platform token unless AUDIT_METRICS_PUBLIC=true; repeated failed authentications from one address are answered 429. An API process reports ingest and request latency; a worker process reports delivery, the backlog and the invalid-name count.',
  responses: {
    200: {
      description: 'metrics',
      content: {
        'text/plain': {
          schema: z.string().openapi({
            example:
              '# HELP audit_events_ingested_total Events stored by this API process.\n# TYPE audit_events_ingested_total counter\naudit_events_ingested_total 4211\n',
          }),
        },
      },
    },
    ...problemResponses(401, 403, 429),
  },
});

/** Only the operator's platform token reads platform-wide figures; tenant credentials get 403. */
async function assertOperator(authorization: string | undefined, authenticate: Authenticator) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new UnauthorizedError('send Authorization: Bearer <platform token>');
  const caller = await authenticate(match[1]!);
  if (caller.kind !== 'platform') throw new ForbiddenError('the metrics endpoint needs the platform token');
}

/** GET /metrics, on the API app and on a worker-only process's health app. */
export function registerPrometheusRoute(app: OpenAPIHono<AppEnv>, deps: PrometheusRouteDeps): void {
  app.openapi(route, async (c) => {
    if (!deps.public) await assertOperator(c.req.header('authorization'), deps.authenticate);
    const text = await deps.registry.metrics();
    return c.text(text, 200, { 'content-type': deps.registry.contentType });
  });
}
