import type { App, AppDeps } from '../../http/app.js';
import { createConcurrencyLimiter } from '../../http/rate-limit.js';
import { createSinkTestRegistry } from '../../sinks/sink-tests.js';
import { registerCreateSink } from './create.js';
import { registerDeleteSink } from './delete.js';
import { registerListSinkDeliveries } from './deliveries.js';
import { registerGetSink } from './get.js';
import { registerListSinks } from './list.js';
import { registerReplaySink } from './replay.js';
import { registerTestSink, SINK_TEST_TIMEOUT_MS } from './test.js';
import { registerUpdateSink } from './update.js';

/** What the sink routes share in this process: the tests in flight, the bound on lock waits. */
export interface SinkRouteState {
  tests: ReturnType<typeof createSinkTestRegistry>;
  /** PATCH, DELETE and replay of one tenant that may wait on a publish lock at once. */
  lockWaits: ReturnType<typeof createConcurrencyLimiter>;
}

export function registerSinkRoutes(app: App, deps: AppDeps): void {
  const state: SinkRouteState = {
    tests: createSinkTestRegistry({ perSink: 1, perTenant: 4, timeoutMs: SINK_TEST_TIMEOUT_MS }),
    lockWaits: createConcurrencyLimiter(4, 'sink changes'),
  };
  registerCreateSink(app, deps);
  registerListSinks(app, deps);
  registerGetSink(app, deps);
  registerUpdateSink(app, deps, state);
  registerDeleteSink(app, deps, state);
  registerListSinkDeliveries(app, deps);
  registerTestSink(app, deps, state);
  registerReplaySink(app, deps, state);
}
