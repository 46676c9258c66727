import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// /docs must render air-gapped: every asset from the API itself, nothing from a CDN, under a CSP
// that allows no inline script.
let p: TestPlatform;
let browser: Browser;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await p?.stop();
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

test('/docs and its assets are sent under a strict Content-Security-Policy', async () => {
  const res = await fetch(`${p.url}/docs`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = directives(res.headers.get('content-security-policy') ?? '');
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'self'"], 'no inline script, no eval, no other origin');
  assert.deepEqual(csp.get('connect-src'), ["'self'"]);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  const html = await res.text();
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
  assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL: nothing from another origin');

  for (const src of html.match(/(?<=(src|href)=")[^"]+/g) ?? []) {
    const asset = await fetch(new URL(src, `${p.url}/docs`));
    assert.equal(asset.status, 200, src);
    assert.ok((await asset.arrayBuffer()).byteLength > 0, src);
  }
  const bundle = await fetch(`${p.url}/docs/swagger-ui-bundle.js`);
  const etag = bundle.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${p.url}/docs/swagger-ui-bundle.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${p.url}/docs/package.json`)).status, 404, 'only the listed assets');
});

test('/docs renders every operation in a browser with no network but the API, and no CSP violation', async (t) => {
  const context = await browser.newContext();
  const api = new URL(p.url);
  const leftLocalhost: string[] = [];
  // Everything that is not the API fails, as it would air-gapped.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === api.origin) return route.continue();
    leftLocalhost.push(url.href);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // Page-side code is passed as text: this project's TypeScript has no DOM types.
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline')));
  `);

  await page.goto(`${p.url}/docs`);
  await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
  const doc = (await p.request('GET', '/openapi.json', { token: null })).body as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
  assert.equal(await page.locator('.opblock').count(), operations.length, 'one block per operation');
  await page.locator('.opblock-summary-path', { hasText: '/v1/audit/events' }).first().waitFor();

  // Open the ingest operation: its example body must be the schema's example, not "string".
  await page.locator('#operations-events-ingestEvents').click();
  const example = await page.locator('#operations-events-ingestEvents .body-param__example').textContent();
  assert.match(example ?? '', /invoice\.refund_issued/);

  await page.locator('#operations-events-ingestEvents').scrollIntoViewIfNeeded();
  const shot = join(tmpdir(), 'audit-platform-docs.png');
  await page.screenshot({ path: shot });
  t.diagnostic(`screenshot: ${shot}`);

  const violations = () => page.evaluate<string[]>('window.cspViolations');
  assert.deepEqual(await violations(), [], 'no CSP violation');
  assert.deepEqual(leftLocalhost, [], 'no request left the API');
  assert.deepEqual(errors, [], 'no script error');

  // The detector works: an inline script is refused and reported.
  await page.evaluate(`{
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
  }`);
  await page.waitForFunction('window.cspViolations.length > 0');
  assert.deepEqual(await violations(), ['script-src-elem blocked inline']);
  assert.equal(await page.evaluate('window.injected'), undefined);
  await context.close();
});
