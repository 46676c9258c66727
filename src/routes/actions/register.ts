import type { App, AppDeps } from '../../http/app.js';
import { registerListActions } from './list.js';
import { registerListCanonicalActions } from './list-canonical.js';
import { registerSetActionCanonical } from './set-canonical.js';
import { registerSetActionTags } from './set-tags.js';

/** The action inventory endpoints, one file per operation. */
export function registerActionRoutes(app: App, deps: AppDeps): void {
  registerListActions(app, deps);
  registerListCanonicalActions(app, deps);
  registerSetActionCanonical(app, deps);
  registerSetActionTags(app, deps);
}
