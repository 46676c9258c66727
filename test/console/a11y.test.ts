import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from '../sinks/kinesis-helpers.js';
import { openSection, signIn } from './console-helpers.js';

/**
 * axe-core on every page of the console: no serious or critical violation, at 1280×800 and at 390×844.
 * The only test that injects a script, so the only one with bypassCSP.
 * CONSOLE_SCREENSHOTS=1 also writes the screenshots shown in docs/CONSOLE.md and the README.
 */

const TENANT = 'acme';
const WS = 'w_prod';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const SHOTS_DIR = new URL('../../docs/console/', import.meta.url);

let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let browser: Browser;
let axeSource: string;
let owner: string;
let sinkId: string;

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  const kinesis = kinesisClient(kinesalite.endpoint);
  const arn = await createStream(kinesis, 'acme-audit');
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1', AUDIT_TEMPORAL_UI_URL: 'http://localhost:8233' });
  owner = await p.createKey({ tenantId: TENANT, role: 'tenant_admin', workspaceIds: [WS] });
  const producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  await p.request('PATCH', '/v1/audit/actions/member.invited', { token: owner, body: { canonical: true } });
  await p.request('PATCH', '/v1/audit/actions/connection.created', {
    token: owner,
    body: { canonical: true },
  });
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: owner,
    body: { name: 'Audit stream', type: 'kinesis', workspaceId: WS, config: { streamArn: arn } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  sinkId = created.body.id;
  const actions = [
    'member.invited',
    'connection.created',
    'billing.plan_changed',
    'sso.config_updated',
    'api_key.rotated',
  ];
  const events = Array.from({ length: 60 }, (_, i) => ({
    workspaceId: WS,
    occurredAt: new Date(Date.now() - (60 - i) * 97_000).toISOString(),
    actorKind: i % 4 === 0 ? 'api_key' : 'user',
    actorUserId: i % 4 === 0 ? null : `u_${['maria', 'kenji', 'ada'][i % 3]}`,
    actorApiKeyId: i % 4 === 0 ? 'key_ci_deployer' : null,
    action: actions[i % actions.length],
    resourceType: ['membership', 'connection', 'subscription', 'sso', 'api_key'][i % actions.length],
    resourceId: `r_${1000 + i}`,
    metadata: {
      plan: i % 2 ? 'team' : 'enterprise',
      seats: 10 + i,
      source: { app: 'dashboard', version: '4.2.1' },
    },
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
  }));
  const ingested = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { events },
  });
  assert.equal(ingested.status, 202, JSON.stringify(ingested.body));
  await waitFor('the stream to receive the events', async () => {
    const sink = await p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: owner });
    return sink.body.lastDeliveryAt !== null && sink.body.lagEvents === 0;
  });
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  browser = await launchBrowser();
  if (SCREENSHOTS) await mkdir(SHOTS_DIR, { recursive: true });
});
after(async () => {
  await browser?.close();
  await p?.stop();
  await kinesalite?.close();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

async function check(page: Page, name: string): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  await page.addScriptTag({ content: axeSource });
  const violations: Violation[] = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations;
  });
  if (SCREENSHOTS) await page.screenshot({ path: new URL(`${name}.png`, SHOTS_DIR).pathname });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

async function context(width: number, height: number): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height }, bypassCSP: true });
}

test('no serious or critical axe violation on any page at 1280×800', async () => {
  const ctx = await context(1280, 800);
  const page = await ctx.newPage();
  const found: string[] = [];
  await page.goto(`${p.url}/console`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  found.push(...(await check(page, 'sign-in')));

  await signIn(page, p.url, owner);
  await page.locator('tbody tr[data-event-id]').first().waitFor();
  found.push(...(await check(page, 'audit-log')));
  await page.locator('tbody tr[data-event-id] button').nth(1).click();
  await page.locator('#event-detail').waitFor();
  found.push(...(await check(page, 'audit-log-event')));

  await openSection(page, 'Audit stream');
  await page.getByText('Set up access in AWS').click();
  await page.getByLabel('External ID').fill('acme-7d1f0c2e9b');
  found.push(...(await check(page, 'audit-stream')));
  if (SCREENSHOTS)
    await page.screenshot({ path: new URL('audit-stream-full.png', SHOTS_DIR).pathname, fullPage: true });
  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await page.getByRole('dialog').waitFor();
  found.push(...(await check(page, 'audit-stream-disconnect')));
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  for (const [section, name] of [
    ['Sinks', 'sinks'],
    ['Actions', 'actions'],
    ['Health', 'health'],
  ] as const) {
    await openSection(page, section);
    found.push(...(await check(page, name)));
  }
  await page.goto(`${p.url}/console/sinks/${sinkId}`);
  await page.getByRole('heading', { level: 1, name: 'Audit stream' }).waitFor();
  found.push(...(await check(page, 'sink')));
  await page.goto(`${p.url}/console/sinks/snk_nothing_here`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  found.push(...(await check(page, 'not-found')));
  await ctx.close();
  assert.deepEqual(found, []);
});

test('no serious or critical axe violation at 390×844 (a phone)', async () => {
  const ctx = await context(390, 844);
  const page = await ctx.newPage();
  const found: string[] = [];
  await signIn(page, p.url, owner);
  await page.locator('tbody tr[data-event-id]').first().waitFor();
  found.push(...(await check(page, 'mobile-audit-log')));
  await page.goto(`${p.url}/console/stream`);
  await page.getByRole('heading', { level: 1, name: 'Audit stream' }).waitFor();
  await page.getByTestId('last-delivery').waitFor();
  found.push(...(await check(page, 'mobile-audit-stream')));
  // Nothing wider than the screen: the page never scrolls sideways.
  const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
  assert.ok(overflow <= 390, `page width ${overflow}`);
  await ctx.close();
  assert.deepEqual(found, []);
});
