import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from '../../http/app.js';
import { htmlPage, PAGE_SECURITY_HEADERS } from '../../http/page-security.js';

/**
 * The API reference at /docs: Swagger UI from the swagger-ui-dist package (a pinned dependency),
 * served by the API itself, so it renders air-gapped and under the page CSP. Every URL is relative
 * (`docs/…`, `openapi.json`), so the page also works behind a reverse proxy's path prefix.
 */
const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

// Runs after swagger-ui-bundle.js defined SwaggerUIBundle; a file of its own because the CSP
// forbids inline scripts. No validator badge: it would call an external service.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const PAGE_CSS = `body { margin: 0; font-family: system-ui, sans-serif; color: #1b1b1b; }
main.problem { max-width: 46rem; margin: 3rem auto; padding: 0 1.5rem; line-height: 1.55; }
main.problem code { background: #f1f1f1; padding: 0 .25em; border-radius: 3px; }
main.problem .status { color: #666; }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Audit platform API reference</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

interface Asset {
  type: string;
  load: () => { body: Uint8Array<ArrayBuffer>; etag: string };
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const ASSETS: Record<string, Asset> = {
  'swagger-ui-bundle.js': {
    type: JS,
    load: once(() => readFileSync(join(SWAGGER_DIR, 'swagger-ui-bundle.js'))),
  },
  'swagger-ui.css': { type: CSS, load: once(() => readFileSync(join(SWAGGER_DIR, 'swagger-ui.css'))) },
  'favicon-32x32.png': {
    type: 'image/png',
    load: once(() => readFileSync(join(SWAGGER_DIR, 'favicon-32x32.png'))),
  },
  'init.js': { type: JS, load: once(() => Buffer.from(INIT_SCRIPT)) },
  'page.css': { type: CSS, load: once(() => Buffer.from(PAGE_CSS)) },
};

/** Read on first use, then kept: the bundle is 1.7 MB and most processes never serve it. */
function once(read: () => Buffer): Asset['load'] {
  let cached: { body: Uint8Array<ArrayBuffer>; etag: string } | undefined;
  return () => {
    if (!cached) {
      const bytes = read();
      const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
      cached = { body: new Uint8Array(bytes), etag };
    }
    return cached;
  };
}

export function registerApiReference(app: App): void {
  app.get('/docs', (c) => htmlPage(c, PAGE));
  app.get('/docs/:file', (c, next) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('file')) ? ASSETS[c.req.param('file')] : undefined;
    if (!asset) return next();
    const { body, etag } = asset.load();
    const headers = {
      ...PAGE_SECURITY_HEADERS,
      'content-type': asset.type,
      etag,
    };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(body, 200, headers);
  });
}
