import type { Context } from 'hono';
import type { ConsoleAssetName, ConsoleAssets } from '../console/assets.js';
import type { App } from '../http/app.js';
import { problemJson } from '../http/problem.js';

/** What the console's client needs to know about the deployment (never a secret). */
export interface ConsoleSettings {
  /** AUDIT_REGION: the region-mismatch warning on the Audit stream page, as the user types. */
  region: string;
  /** AUDIT_TEMPORAL_UI_URL (or the dev server's UI): links from a sink to its delivery workflow. */
  temporalUiUrl: string | null;
  /** Whether the sign-in page offers JWTs. */
  jwtEnabled: boolean;
}

export interface ConsoleDeps {
  assets: ConsoleAssets;
  settings: ConsoleSettings;
}

/**
 * No inline script or style anywhere; the client talks to this origin's API only. The credential lives
 * in sessionStorage, so this policy is what keeps injected script from reading it.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const ASSETS: Record<string, ConsoleAssetName> = { 'app.js': 'app.js', 'app.css': 'app.css' };

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The one HTML page of every console URL: no database work, the client renders the rest. */
export function consoleShell(settings: ConsoleSettings): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="audit-console-settings" content="${escapeAttribute(JSON.stringify(settings))}">
<title>Audit console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/app.css">
<script type="module" src="/console/assets/app.js"></script>
</head>
<body>
<div id="app"><noscript><p class="noscript">The audit console needs JavaScript. The REST API is documented at <a href="/docs">/docs</a>.</p></noscript></div>
</body>
</html>
`;
}

export function registerConsoleRoutes(app: App, deps: ConsoleDeps): void {
  const shell = consoleShell(deps.settings);
  const serveShell = (c: Context) =>
    c.body(shell, 200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
    });

  app.get('/', (c) => c.redirect('/console', 302));
  app.get('/console/assets/:name', async (c) => {
    const name = ASSETS[c.req.param('name')];
    if (!name)
      return problemJson(c, 404, 'not-found', 'Not found', `no console asset ${c.req.param('name')}`);
    const asset = await deps.assets.get(name);
    const headers = { ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      'content-type': asset.contentType,
    });
  });
  app.get('/console', serveShell);
  app.get('/console/*', serveShell);
}
