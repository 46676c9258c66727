import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Authenticator } from '../auth/tokens.js';
import type { Pool } from '../db/pool.js';
import { UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors.js';
import type { EventStoreDeps } from '../events/store.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import { registerActionRoutes } from '../routes/actions/register.js';
import { registerApiKeyRoutes } from '../routes/admin/api-keys.js';
import { registerWhoAmI } from '../routes/auth/whoami.js';
import { type ConsoleDeps, registerConsoleRoutes } from '../routes/console.js';
import { registerApiReference } from '../routes/docs/reference.js';
import { registerIngestEvents } from '../routes/events/ingest.js';
import { registerListEvents } from '../routes/events/list.js';
import { registerHealthRoutes } from '../routes/health.js';
import { type PrometheusRouteDeps, registerPrometheusRoute } from '../routes/metrics/prometheus.js';
import { registerMetricsRoutes } from '../routes/metrics/register.js';
import { registerProblemPages } from '../routes/problems/page.js';
import { registerSinkRoutes } from '../routes/sinks/register.js';
import type { SinkApiDeps } from '../sinks/sink-api.js';
import { accessLog } from './access-log.js';
import type { AppEnv } from './env.js';
import { inputGuards } from './input-guards.js';
import { createErrorHandler, problemJson, zodFieldErrors } from './problem.js';
import { createAuthFailureLimiter, createRateLimiter } from './rate-limit.js';
import { requestMetrics } from './request-metrics.js';

export interface AppDeps {
  pool: Pool;
  logger: Logger;
  authenticate: Authenticator;
  actionMaxSegments: number;
  logEvents: boolean;
  rateLimitPerSecond: number;
  /** Failed authentications per client address and window before 429 (default 20 per 10 s; max 0: off). */
  authFailureLimit?: { max: number; windowMs: number };
  /** Resolves when Temporal answers, rejects otherwise (for /readyz). */
  checkTemporal: () => Promise<void>;
  onEventsStored?: EventStoreDeps['onStored'];
  /** Sink management: secret keyring, drivers, the delivery workflows' control. */
  sinks: SinkApiDeps;
  /** Prometheus: this process's registry, the API's metrics, and whether /metrics is open. */
  prometheus?: Omit<PrometheusRouteDeps, 'authenticate'> & { api: ApiMetrics };
  /** The web console at /console (its bundle and the deployment settings it shows). */
  console?: ConsoleDeps;
}

export type App = OpenAPIHono<AppEnv>;

// OpenAPI 3.1 takes an SPDX `identifier`, which the document builder's 3.0 types do not know yet.
const API_LICENSE = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' };

/** A client's x-request-id is echoed into logs and answers only when short and of a safe alphabet. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The TCP peer (behind a reverse proxy: the proxy). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const location = result.target === 'query' ? 'query' : result.target === 'param' ? 'param' : 'body';
        throw new ValidationError(`the request ${location === 'body' ? 'body' : location} is invalid`, {
          errors: zodFieldErrors(result.error, location),
        });
      }
    },
  });

  if (deps.prometheus) app.use('*', requestMetrics(deps.prometheus.api));

  app.use('*', async (c, next) => {
    const sent = c.req.header('x-request-id');
    const requestId = sent !== undefined && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
    c.set('requestId', requestId);
    await next();
    c.header('x-request-id', requestId);
    // Answers carry tenant data and credentials: no shared or browser cache may keep them.
    c.header('cache-control', 'no-store');
  });

  app.use('*', accessLog(deps.logger));

  // Body size (a declared length at once, a chunked body as it is read), query parameters without
  // U+0000; the body is read only after authorization, and parsed within bounds (json-body.ts).
  app.use('/v1/*', inputGuards());

  app.use('/v1/*', async (c, next) => {
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method)) {
      const type = c.req.header('content-type') ?? '';
      const hasBody =
        c.req.header('content-length') !== '0' || c.req.header('transfer-encoding') !== undefined;
      if (hasBody && type !== '' && !/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
        throw new UnsupportedMediaTypeError(`expected application/json, got ${type}`);
      }
    }
    await next();
  });

  const limiter = createRateLimiter(deps.rateLimitPerSecond);
  // Each unknown key costs a database lookup: failures are limited per client address, checked first.
  const authFailures = createAuthFailureLimiter(deps.authFailureLimit ?? { max: 20, windowMs: 10_000 });
  // GET /metrics checks its token itself: the same budget, a 401 counting as a failure.
  app.use('/metrics', async (c, next) => {
    const end = authFailures.begin(clientAddress(c));
    try {
      await next();
    } finally {
      end(c.res.status === 401);
    }
  });
  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError('send Authorization: Bearer <token>');
    const caller = await authFailures.authenticate(clientAddress(c), () => deps.authenticate(match[1]!));
    limiter.take(`${caller.kind}:${caller.actor}`);
    c.set('caller', caller);
    await next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The platform token, an API key (ak_…) or, when configured, a JWT.',
  });

  registerHealthRoutes(app, deps);
  registerWhoAmI(app, deps);
  registerIngestEvents(app, deps);
  registerListEvents(app, deps);
  registerApiKeyRoutes(app, deps);
  registerSinkRoutes(app, deps);
  registerActionRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  if (deps.prometheus) registerPrometheusRoute(app, { ...deps.prometheus, authenticate: deps.authenticate });
  registerProblemPages(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Audit platform API',
      version: '0.1.0',
      description:
        'Append-only, multi-tenant audit log with durable SIEM delivery. Errors are RFC 9457 problem+json; each `type` resolves to a page explaining the problem.',
      license: API_LICENSE,
    },
    // Relative: the API that serves this document, wherever it is reached.
    servers: [{ url: '/', description: 'this API' }],
    security: [{ bearer: [] }],
  });
  registerApiReference(app);
  if (deps.console) registerConsoleRoutes(app, deps.console);

  app.notFound((c) =>
    problemJson(c, 404, 'not-found', 'Not found', `no route for ${c.req.method} ${c.req.path}`),
  );
  app.onError(createErrorHandler(deps.logger));
  return app;
}
