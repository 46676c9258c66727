import type { FunctionComponent } from 'preact';
import { ActionsPage } from './pages/actions';
import { AuditLogPage } from './pages/audit-log';
import { AuditStreamPage } from './pages/audit-stream';
import { HealthPage } from './pages/health';
import { SinkPage, SinksPage } from './pages/sinks';
import type { Location } from './router';
import type { Scope } from './scope';
import type { Session } from './session';

/** What every page receives. */
export interface PageProps {
  session: Session;
  scope: Scope;
  location: Location;
  /** The path parameters (":sinkId"). */
  params: Record<string, string>;
}

export interface RouteEntry {
  path: string;
  page: FunctionComponent<PageProps>;
  /** The page title (document.title). */
  title: string;
  /** Its label in the navigation, if it has one. */
  nav?: string;
  /** The navigation entry shown as current on this page (detail pages). */
  navPath?: string;
}

/** The console's pages, in navigation order. Add a page here and in pages/. */
export const ROUTES: RouteEntry[] = [
  { path: '/console/log', title: 'Audit log', nav: 'Audit log', page: AuditLogPage },
  { path: '/console/stream', title: 'Audit stream', nav: 'Audit stream', page: AuditStreamPage },
  { path: '/console/sinks', title: 'Sinks', nav: 'Sinks', page: SinksPage },
  { path: '/console/sinks/:sinkId', title: 'Sink', navPath: '/console/sinks', page: SinkPage },
  { path: '/console/actions', title: 'Actions', nav: 'Actions', page: ActionsPage },
  { path: '/console/health', title: 'Health', nav: 'Health', page: HealthPage },
];

export const HOME = '/console/log';
