import type { App, AppDeps } from '../../http/app.js';
import { registerCreateSink } from './create.js';
import { registerDeleteSink } from './delete.js';
import { registerListSinkDeliveries } from './deliveries.js';
import { registerGetSink } from './get.js';
import { registerListSinks } from './list.js';
import { registerReplaySink } from './replay.js';
import { registerTestSink } from './test.js';
import { registerUpdateSink } from './update.js';

export function registerSinkRoutes(app: App, deps: AppDeps): void {
  registerCreateSink(app, deps);
  registerListSinks(app, deps);
  registerGetSink(app, deps);
  registerUpdateSink(app, deps);
  registerDeleteSink(app, deps);
  registerListSinkDeliveries(app, deps);
  registerTestSink(app, deps);
  registerReplaySink(app, deps);
}
