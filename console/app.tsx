import { useEffect, useRef } from 'preact/hooks';
import { NotFoundPage } from './components/errors';
import { CrossWorkspaceNote, WorkspacePicker } from './components/workspace-picker';
import { SignInPage } from './pages/sign-in';
import { Link, type Location, matchPath, navigate, useLocation } from './router';
import { HOME, ROUTES } from './routes';
import { scopeFromParam } from './scope';
import { restoreSession, type Session, signOut, useSession } from './session';

const ROLE_LABELS: Record<string, string> = {
  viewer: 'Viewer',
  auditor: 'Auditor',
  connector_builder: 'Connector builder',
  admin: 'Admin',
  tenant_admin: 'Tenant admin',
};

function findRoute(path: string) {
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

function Layout({ session, location }: { session: Session; location: Location }) {
  const { me } = session;
  const scope = scopeFromParam(location.query.get('ws'), me);
  const found = findRoute(location.path);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${found?.route.title ?? 'Not found'} · Audit console`;
    // After in-app navigation, move focus to the new page's heading (screen readers announce it).
    if (firstRender.current) firstRender.current = false;
    else document.getElementById('page-title')?.focus();
  }, [location.path, found?.route.title]);

  const current = found?.route.navPath ?? found?.route.path;
  const ws = location.query.get('ws') ?? undefined;
  const Page = found?.route.page;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true" />
          <span>Audit console</span>
        </div>
        <div class="topbar-context">
          <span class="context-item" title="Tenant">
            <span class="muted">Tenant</span> <code>{me.tenantId}</code>
          </span>
          <span class="badge badge-role">{ROLE_LABELS[me.role] ?? me.role}</span>
        </div>
        <WorkspacePicker me={me} scope={scope} location={location} key={location.query.get('ws') ?? ''} />
        <button type="button" class="button button-quiet" onClick={() => signOut('You signed out.')}>
          Sign out
        </button>
      </header>
      <div class="frame">
        <nav class="sidenav" aria-label="Console sections">
          <ul>
            {ROUTES.filter((r) => r.nav).map((r) => (
              <li key={r.path}>
                <Link
                  href={ws ? `${r.path}?ws=${encodeURIComponent(ws)}` : r.path}
                  aria-current={current === r.path ? 'page' : undefined}
                >
                  {r.nav}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="content">
          <CrossWorkspaceNote scope={scope} />
          {Page && found ? (
            <Page
              session={session}
              scope={scope}
              location={location}
              params={found.params}
              key={location.path}
            />
          ) : (
            <NotFoundPage />
          )}
        </main>
      </div>
    </div>
  );
}

export function App() {
  const { session, restoring, notice } = useSession();
  const location = useLocation();

  useEffect(() => {
    void restoreSession();
  }, []);

  useEffect(() => {
    if (location.path === '/console' || location.path === '/')
      navigate(`${HOME}${window.location.search}`, { replace: true });
  }, [location.path]);

  if (restoring) {
    return (
      <p class="loading-screen" role="status">
        Checking your credential…
      </p>
    );
  }
  if (!session) return <SignInPage notice={notice} />;
  return <Layout session={session} location={location} />;
}
