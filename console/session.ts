import { useEffect, useState } from 'preact/hooks';
import { ApiError, requestWith, setCredential, setUnauthorizedHandler } from './api';
import type { Permission, WhoAmI } from './types';

/**
 * The credential lives in sessionStorage: scoped to this tab, gone when it closes, never in a cookie
 * (so no CSRF surface) and never in a URL. The strict CSP is what keeps other script from reading it.
 */
const STORAGE_KEY = 'audit-console.credential';

export interface Session {
  token: string;
  me: WhoAmI;
}

interface State {
  /** null: signed out. */
  session: Session | null;
  /** A credential from sessionStorage is being checked. */
  restoring: boolean;
  /** Shown on the sign-in page (why the user was signed out). */
  notice: string | null;
}

let state: State = { session: null, restoring: false, notice: null };
const listeners = new Set<() => void>();

function setState(next: Partial<State>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export function useSession(): State {
  const [snapshot, setSnapshot] = useState(state);
  useEffect(() => {
    const update = () => setSnapshot(state);
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, []);
  return snapshot;
}

export function can(session: Session, permission: Permission): boolean {
  return session.me.permissions.includes(permission);
}

/** Checks the credential against the API (GET /v1/auth/whoami) and keeps it when the console can use it. */
export async function signIn(token: string): Promise<void> {
  const me = await requestWith<WhoAmI>(token, 'GET', '/v1/auth/whoami');
  if (me.tenantId === null) {
    throw new ApiError(403, {
      title: 'This credential is not bound to a tenant',
      status: 403,
      detail:
        'The console works inside one tenant. Sign in with a tenant API key (create one with POST /v1/admin/api-keys) or a JWT.',
    });
  }
  if (!me.permissions.includes('events:read')) {
    throw new ApiError(403, {
      title: `The ${me.role} role cannot use the console`,
      status: 403,
      detail:
        'A producer key may only send events. Sign in with a viewer, auditor, connector_builder, admin or tenant_admin credential.',
    });
  }
  sessionStorage.setItem(STORAGE_KEY, token);
  setCredential(token);
  setState({ session: { token, me }, notice: null });
}

export function signOut(notice: string | null = null): void {
  sessionStorage.removeItem(STORAGE_KEY);
  setCredential(null);
  setState({ session: null, restoring: false, notice });
}

/** At start: a credential kept by this tab (a reload) is checked again. */
export async function restoreSession(): Promise<void> {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return;
  setState({ restoring: true });
  try {
    await signIn(token);
  } catch (err) {
    const message = err instanceof ApiError ? (err.problem.detail ?? err.problem.title) : String(err);
    signOut(`Please sign in again: ${message}`);
    return;
  }
  setState({ restoring: false });
}

setUnauthorizedHandler((error) => {
  signOut(
    `Your credential was not accepted any more (${error.problem.detail ?? error.problem.title}). Sign in again.`,
  );
});
