import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../logger.js';
import { registerHealthRoutes } from '../routes/health.js';
import type { AppDeps } from './app.js';
import type { AppEnv } from './env.js';
import { createErrorHandler, problemJson } from './problem.js';

/** What a worker-only process serves: /healthz and /readyz, for orchestrators' health checks. */
export function createHealthApp(deps: Pick<AppDeps, 'pool' | 'checkTemporal'> & { logger: Logger }) {
  const app = new OpenAPIHono<AppEnv>();
  registerHealthRoutes(app, deps);
  app.notFound((c) =>
    problemJson(c, 404, 'not-found', 'Not found', 'a worker process serves /healthz and /readyz only'),
  );
  app.onError(createErrorHandler(deps.logger));
  return app;
}
