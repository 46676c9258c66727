import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Query, queryString } from './api';

/**
 * Client routing on the History API: the URL holds the page and its filters (shareable, the back
 * button works), never the credential.
 */

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', notify);

export function currentLocation(): Location {
  return {
    path: window.location.pathname.replace(/\/+$/, '') || '/',
    query: new URLSearchParams(window.location.search),
  };
}

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (href === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  notify();
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return location;
}

/** A path with a query built from the non-empty values. */
export function href(path: string, query: Query = {}): string {
  return `${path}${queryString(query)}`;
}

/** The current query with some keys replaced (undefined or '' removes a key). */
export function withQuery(location: Location, changes: Query): string {
  const params = new URLSearchParams(location.query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const s = params.toString();
  return `${location.path}${s ? `?${s}` : ''}`;
}

/** Matches "/console/sinks/:sinkId" against a path; the parameters, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

type AnchorProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string };

/** An <a> that navigates in place (a modified click still opens a new tab). */
export function Link(props: AnchorProps) {
  const { onClick, href: target, ...rest } = props;
  const handle = (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (typeof onClick === 'function') onClick(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(target);
  };
  return <a href={target} {...rest} onClick={handle} />;
}
