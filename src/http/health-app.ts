import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../logger.js';
import { registerHealthRoutes } from '../routes/health.js';
import { type PrometheusRouteDeps, registerPrometheusRoute } from '../routes/metrics/prometheus.js';
import { registerProblemPages } from '../routes/problems/page.js';
import type { AppDeps } from './app.js';
import type { AppEnv } from './env.js';
import { createErrorHandler, problemJson } from './problem.js';

/**
 * What a worker-only process serves: /healthz and /readyz, for orchestrators' health checks, and its
 * Prometheus metrics on /metrics, and the pages its problem documents' `type` points at.
 */
export function createHealthApp(
  deps: Pick<AppDeps, 'pool' | 'checkTemporal'> & { logger: Logger; prometheus?: PrometheusRouteDeps },
) {
  const app = new OpenAPIHono<AppEnv>();
  registerHealthRoutes(app, deps);
  if (deps.prometheus) registerPrometheusRoute(app, deps.prometheus);
  registerProblemPages(app);
  app.notFound((c) =>
    problemJson(
      c,
      404,
      'not-found',
      'Not found',
      'a worker process serves /healthz, /readyz and /metrics only',
    ),
  );
  app.onError(createErrorHandler(deps.logger));
  return app;
}
