import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { WIRE_KEYS } from '../helpers/wire.js';
import { collectBrowserErrors, signIn } from './console-helpers.js';

/** The Audit log page in a real browser: canonical filter, paging while events arrive, event detail. */

const TENANT = 't_log';
const WS = 'w_log';
const ACTION = 'member_invited';
const SEEDED = 34;

let p: TestPlatform;
let browser: Browser;
let page: Page;
let producer: string;
let errors: string[];

function seededId(i: number): string {
  return `evt_log_${String(i).padStart(3, '0')}`;
}

async function ingest(events: Array<Record<string, unknown>>) {
  const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

before(async () => {
  p = await startTestPlatform();
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  const admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  const canonical = await p.request('PATCH', `/v1/audit/actions/${ACTION}`, {
    token: admin,
    body: { canonical: true },
  });
  assert.equal(canonical.status, 200, JSON.stringify(canonical.body));
  // The filtered action, one a minute in the past, interleaved with another action.
  const base = Date.parse('2026-11-01T10:00:00.000Z');
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < SEEDED; i++) {
    events.push({
      id: seededId(i),
      workspaceId: WS,
      occurredAt: new Date(base + i * 60_000).toISOString(),
      actorKind: 'user',
      actorUserId: `u_${i % 3}`,
      action: ACTION,
      resourceType: 'membership',
      resourceId: `m_${i}`,
      metadata: { index: i, nested: { invitedBy: 'u_admin', roles: ['viewer'] } },
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (console test)',
    });
    events.push({
      id: `evt_other_${i}`,
      workspaceId: WS,
      occurredAt: new Date(base + i * 60_000 + 30_000).toISOString(),
      actorKind: 'system',
      action: 'connection_created',
    });
  }
  await ingest(events);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  errors = collectBrowserErrors(page);
});
after(async () => {
  await browser?.close();
  await p?.stop();
});

const rowIds = async () =>
  page
    .locator('tbody tr[data-event-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')!));

async function waitForRows(previous: string[] | null) {
  await page.waitForFunction((prev) => {
    const document = (globalThis as any).document;
    const ids = [...document.querySelectorAll('tbody tr[data-event-id]')].map((r: any) =>
      r.getAttribute('data-event-id'),
    );
    return (
      ids.length > 0 &&
      JSON.stringify(ids) !== JSON.stringify(prev) &&
      !document.querySelector('[aria-busy="true"]')
    );
  }, previous);
  return rowIds();
}

test('filter by a canonical action, page through it while events arrive, open an event', async () => {
  const auditor = await p.createKey({ tenantId: TENANT, role: 'auditor', workspaceIds: [WS] });
  await signIn(page, p.url, auditor);
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();

  // The canonical dropdown comes from /v1/audit/actions/canonical.
  const actionSelect = page.getByLabel('Action', { exact: true });
  await page.locator(`#filter-action option[value="${ACTION}"]`).waitFor({ state: 'attached' });
  await actionSelect.selectOption(ACTION);
  await page.getByLabel('Events per page').selectOption('10');
  await page.waitForURL(/limit=10/);
  let ids = await waitForRows(null);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(new RegExp(`action=${ACTION}`));
  ids = await waitForRows(ids);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('action'), ACTION);
  assert.equal(url.searchParams.get('limit'), '10');
  assert.ok(!page.url().includes(auditor));

  const expected = Array.from({ length: SEEDED }, (_, i) => seededId(SEEDED - 1 - i));
  const pages: string[][] = [ids];
  let arrived = 0;
  // Next until the last page; new events of the same action arrive (newest) between the clicks.
  while (await page.getByRole('button', { name: 'Next' }).isEnabled()) {
    await ingest([
      {
        id: `evt_live_${arrived++}`,
        workspaceId: WS,
        actorKind: 'user',
        actorUserId: 'u_live',
        action: ACTION,
      },
    ]);
    await page.getByRole('button', { name: 'Next' }).click();
    ids = await waitForRows(ids);
    pages.push(ids);
  }
  assert.ok(pages.length > 2, `paged through ${pages.length} pages`);
  assert.deepEqual(pages.flat(), expected, 'every seeded event once, in order: no repeat, no skip');
  assert.ok(pages.slice(0, -1).every((p) => p.length === 10));
  assert.match(
    (await page.locator('.pager [role="status"]').textContent()) ?? '',
    new RegExp(`Page ${pages.length}`),
  );

  // Previous goes back one page (the same events); the browser's back and forward buttons walk the history.
  await page.getByRole('button', { name: 'Previous' }).click();
  ids = await waitForRows(ids);
  assert.deepEqual(ids, pages.at(-2));
  await page.getByRole('button', { name: 'Previous' }).click();
  ids = await waitForRows(ids);
  assert.deepEqual(ids, pages.at(-3));
  await page.goBack();
  ids = await waitForRows(ids);
  assert.deepEqual(ids, pages.at(-2));
  await page.goBack();
  ids = await waitForRows(ids);
  assert.deepEqual(ids, pages.at(-1));
  await page.goForward();
  ids = await waitForRows(ids);
  assert.deepEqual(ids, pages.at(-2));

  // Open an event: every wire field, metadata pretty-printed.
  const target = ids[3]!;
  const index = Number(target.slice(-3));
  await page.locator(`tr[data-event-id="${target}"] button`).click();
  const detail = page.getByRole('region', { name: `Event ${target}` });
  await detail.waitFor();
  assert.match(page.url(), new RegExp(`event=${target}`));
  const field = (name: string) => detail.locator(`[data-field="${name}"]`).textContent();
  for (const key of WIRE_KEYS) {
    assert.equal(await detail.locator(`[data-field="${key}"]`).count(), 1, `${key} shown`);
  }
  assert.equal(await field('id'), target);
  assert.equal(await field('tenantId'), TENANT);
  assert.equal(await field('action'), ACTION);
  assert.equal(await field('actorApiKeyId'), 'null');
  assert.equal(await field('ip'), '203.0.113.7');
  assert.equal(await field('userAgent'), 'Mozilla/5.0 (console test)');
  const metadata = (await field('metadata')) ?? '';
  assert.deepEqual(JSON.parse(metadata), { index, nested: { invitedBy: 'u_admin', roles: ['viewer'] } });
  assert.equal(metadata, JSON.stringify(JSON.parse(metadata), null, 2), 'pretty-printed');

  // The URL is shareable: a reload shows the same filter, page and event.
  await page.reload();
  await detail.waitFor();
  assert.equal(await page.getByLabel('Action', { exact: true }).inputValue(), ACTION);

  // A prefix filter by free text.
  await page.getByLabel('Action', { exact: true }).selectOption('__custom__');
  await page.getByLabel('Action name or prefix').fill('connection_*');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/action=connection_\*/);
  await page.getByText('No events match.').waitFor();
  await page.getByLabel('Action name or prefix').fill('connection.*');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText('No events match.').waitFor();
  await page.getByLabel('Action name or prefix').fill('connection_created');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  ids = await waitForRows([]);
  assert.ok(ids.every((id) => id.startsWith('evt_other_')));
  assert.deepEqual(errors, []);
});

test('a tenant_admin reading every workspace sees that the view is audited, and it is', async () => {
  const tenantAdmin = await p.createKey({ tenantId: TENANT, role: 'tenant_admin' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const adminPage = await context.newPage();
  await signIn(adminPage, p.url, tenantAdmin);
  await adminPage.getByLabel('Workspace', { exact: true }).selectOption('*');
  await adminPage.waitForURL(/ws=\*/);
  await adminPage.getByRole('note').getByText('This view is itself audited').waitFor();
  await adminPage.locator('tbody tr[data-event-id]').first().waitFor();
  const res = await p.request('GET', '/v1/audit/events?action=audit.cross_workspace_viewed', {
    token: tenantAdmin,
  });
  assert.ok(res.body.data.length >= 1, 'audit.cross_workspace_viewed recorded');
  await context.close();
});
