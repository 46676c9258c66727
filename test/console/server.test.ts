import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createConsoleAssets } from '../../src/console/assets.js';
import { CONSOLE_CSP } from '../../src/routes/console.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** The console's server side: the shell, its headers, the bundle, and GET /v1/auth/whoami. */

const TENANT = 't_console_srv';
let p: TestPlatform;

before(async () => {
  p = await startTestPlatform({
    AUDIT_REGION: 'eu-central-1',
    AUDIT_TEMPORAL_UI_URL: 'http://temporal.example:8233',
  });
});
after(async () => {
  await p?.stop();
});

test('/ redirects to /console', async () => {
  const res = await fetch(`${p.url}/`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/console');
});

test('every console URL serves the same HTML shell with a strict CSP and no inline script', async () => {
  for (const path of [
    '/console',
    '/console/log?action=x',
    '/console/sinks/snk_anything',
    '/console/no/such/page',
  ]) {
    const res = await fetch(`${p.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    const html = await res.text();
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval/);
    // Scripts only from files; no inline handlers or styles.
    for (const tag of html.match(/<script[^>]*>/g) ?? [])
      assert.match(tag, / src="\/console\/assets\/app\.js"/);
    assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/);
    assert.doesNotMatch(html, /\son[a-z]+=|<style|\sstyle=/i);
    assert.doesNotMatch(html, /https?:\/\/(?!temporal\.example)/, 'no asset from another origin');
  }
});

test('the shell carries the deployment settings as data, never a secret', async () => {
  const html = await (await fetch(`${p.url}/console`)).text();
  const content = /<meta name="audit-console-settings" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(content);
  const settings = JSON.parse(
    content
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&'),
  );
  assert.deepEqual(settings, {
    region: 'eu-central-1',
    temporalUiUrl: 'http://temporal.example:8233',
    temporalNamespace: 'default',
    jwtEnabled: false,
  });
  assert.ok(!html.includes(p.adminToken));
});

test('the bundle is served with an ETag, revalidates with 304, and stays under 150 KB gzipped', async () => {
  let total = 0;
  for (const [name, type] of [
    ['app.js', /^text\/javascript/],
    ['app.css', /^text\/css/],
  ] as const) {
    const res = await fetch(`${p.url}/console/assets/${name}`);
    assert.equal(res.status, 200, name);
    assert.match(res.headers.get('content-type') ?? '', type);
    const etag = res.headers.get('etag');
    assert.ok(etag, `${name} has an ETag`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.length > 1000, `${name} is the bundle`);
    if (name === 'app.js') {
      total += gzipSync(body).length;
      console.log(`console JavaScript: ${body.length} bytes, ${gzipSync(body).length} bytes gzipped`);
    }
    const again = await fetch(`${p.url}/console/assets/${name}`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  }
  assert.ok(total <= 150 * 1024, `JavaScript shipped: ${total} bytes gzipped`);
  const missing = await fetch(`${p.url}/console/assets/other.js`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
});

test('GET /v1/auth/whoami answers the caller context of any credential, and 401 without one', async () => {
  const bound = await p.createKey({ tenantId: TENANT, role: 'viewer', workspaceIds: ['w_a', 'w_b'] });
  const res = await p.request('GET', '/v1/auth/whoami', { token: bound });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.kind, 'api_key');
  assert.equal(res.body.tenantId, TENANT);
  assert.equal(res.body.role, 'viewer');
  assert.deepEqual(res.body.workspaceIds, ['w_a', 'w_b']);
  assert.deepEqual(res.body.knownWorkspaceIds, ['w_a', 'w_b']);
  assert.deepEqual(res.body.permissions, ['events:read']);
  assert.match(res.body.actor, /^key_/);

  // A tenant-wide admin learns the workspaces the tenant has sinks in (and, once folded, events in).
  const admin = await p.createKey({ tenantId: TENANT, role: 'tenant_admin' });
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'c', type: 'console', workspaceId: 'w_sinks' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const wide = await p.request('GET', '/v1/auth/whoami', { token: admin });
  assert.equal(wide.status, 200);
  assert.equal(wide.body.workspaceIds, null);
  assert.ok(wide.body.knownWorkspaceIds.includes('w_sinks'));
  assert.deepEqual(wide.body.permissions, [
    'events:read',
    'actions:manage',
    'sinks:manage',
    'keys:manage',
    'workspaces:cross',
  ]);

  // Another tenant's workspaces never show.
  const other = await p.createKey({ tenantId: 't_console_other', role: 'tenant_admin' });
  const otherMe = await p.request('GET', '/v1/auth/whoami', { token: other });
  assert.deepEqual(otherMe.body.knownWorkspaceIds, []);

  const producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  const prod = await p.request('GET', '/v1/auth/whoami', { token: producer });
  assert.equal(prod.status, 200);
  assert.deepEqual(prod.body.permissions, ['events:ingest']);
  assert.deepEqual(prod.body.knownWorkspaceIds, []);

  const platform = await p.request('GET', '/v1/auth/whoami');
  assert.equal(platform.body.kind, 'platform');
  assert.equal(platform.body.tenantId, null);

  for (const token of [null, 'ak_not_a_key']) {
    const denied = await p.request('GET', '/v1/auth/whoami', { token });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('content-type') ?? '', /problem\+json/);
  }
});

test('whoami is a documented operation of the OpenAPI document', async () => {
  const doc = (await p.request('GET', '/openapi.json', { token: null })).body;
  assert.ok(doc.paths['/v1/auth/whoami']?.get, 'GET /v1/auth/whoami documented');
  assert.ok(doc.components.schemas.WhoAmI);
  assert.equal(doc.paths['/console'], undefined, 'the console is not an API operation');
});

test('a prebuilt bundle (dist/console after npm run build) is served as is, without building', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'console-dist-'));
  try {
    await writeFile(join(dir, 'app.js'), 'console.log("prebuilt");');
    await writeFile(join(dir, 'app.css'), 'body{}');
    const assets = createConsoleAssets(pathToFileURL(`${dir}/`));
    assert.equal(Buffer.from((await assets.get('app.js')).body).toString(), 'console.log("prebuilt");');
    assert.equal(Buffer.from((await assets.get('app.css')).body).toString(), 'body{}');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
