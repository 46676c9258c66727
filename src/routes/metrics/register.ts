import type { App, AppDeps } from '../../http/app.js';
import { registerGetMetrics } from './get.js';
import { registerMetricsHistory } from './history.js';

export function registerMetricsRoutes(app: App, deps: AppDeps): void {
  registerGetMetrics(app, deps);
  registerMetricsHistory(app, deps);
}
