import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait.js';
import { type HttpReceiver, startHttpReceiver } from '../sinks/receivers.js';
import { collectBrowserErrors, openSection, signIn } from './console-helpers.js';

/**
 * The Sinks, Actions and Health pages in a real browser, as a connector builder, an admin and a
 * tenant admin would use them: every change goes through the public API and is checked there.
 */

const TENANT = 't_manage';
/** CONSOLE_SCREENSHOTS=1 also refreshes the screenshots in docs/console/ (as test/console/a11y.test.ts). */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';

async function screenshot(name: string) {
  if (SCREENSHOTS) await page.screenshot({ path: `docs/console/${name}.png`, fullPage: true });
}
const WS = 'w_manage';

let p: TestPlatform;
let receiver: HttpReceiver;
let browser: Browser;
let page: Page;
let producer: string;
let errors: string[];

before(async () => {
  receiver = await startHttpReceiver();
  // The real metrics schedule, every second, so the Health page has a trend to draw.
  p = await startTestPlatform({
    AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true',
    AUDIT_METRICS_SNAPSHOT_INTERVAL_SECONDS: '1',
    AUDIT_TEMPORAL_UI_URL: 'http://temporal-ui.invalid:8233',
  });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await p?.stop();
  await receiver?.close();
});

/** Polls probe (see waitFor) with the label last, as the calls read best here. */
const until = <T>(probe: () => Promise<T | undefined>, what: string) => waitFor(what, probe, 45_000);

/** Each test starts signed out, in a fresh browser context (sessionStorage is per context). */
async function freshPage(): Promise<void> {
  await page?.context().close();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  errors = collectBrowserErrors(page);
}

async function ingest(events: Array<{ id: string; action: string }>) {
  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: {
      events: events.map((e) => ({
        ...e,
        tenantId: TENANT,
        workspaceId: WS,
        actorKind: 'user',
        actorUserId: 'u_1',
      })),
    },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

test('a connector builder creates an http sink through the form, sees the API’s messages, and manages it', async () => {
  await freshPage();
  const builder = await p.createKey({ tenantId: TENANT, role: 'connector_builder', workspaceIds: [WS] });
  await signIn(page, p.url, builder);
  await openSection(page, 'Sinks');
  await page.getByRole('link', { name: 'New sink' }).click();
  await page.getByRole('heading', { level: 1, name: 'New sink' }).waitFor();
  await page.getByLabel(/HTTPS endpoint/).check();

  // The API judges the input; its message appears under the field it names.
  await page.locator('#new-name').fill('SIEM');
  await page.locator('#new-config-url').fill('ftp://nowhere');
  await page.getByRole('button', { name: 'Create sink' }).click();
  const urlError = page.locator('#new-config-url-error');
  await urlError.waitFor();
  assert.match(await urlError.innerText(), /must be https/);

  await page.locator('#new-config-url').fill(`${receiver.url}/ingest`);
  await page.locator('#new-config-headers').fill('Authorization: Bearer siem-token');
  await page.locator('#new-config-secret').fill('a-signing-secret-of-32-characters');
  await page.getByRole('button', { name: 'Create sink' }).click();
  await page.getByRole('heading', { level: 1, name: 'SIEM' }).waitFor();
  await page.getByText('Sink created.').waitFor();
  const sinkId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  const stored = await p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: builder });
  assert.equal(stored.body.config.url, `${receiver.url}/ingest`);
  assert.equal(stored.body.config.headers, '***', 'write-only: the API shows the header as ***');
  // The form never shows a stored secret: the fields are empty with a "stored" placeholder.
  assert.equal(await page.locator('#edit-config-headers').inputValue(), '');
  assert.equal(await page.locator('#edit-config-headers').getAttribute('placeholder'), '•••••••• (stored)');
  assert.ok(!(await page.content()).includes('siem-token'), 'the secret never comes back to the page');

  // Delivery shows in the history, with a link to the run in the Temporal UI.
  await ingest([{ id: 'mg_1', action: 'billing.invoice_paid' }]);
  await until(
    async () => (receiver.acceptedEvents().some((e) => e.id === 'mg_1') ? true : undefined),
    'mg_1 delivered',
  );
  assert.equal(receiver.requests.at(-1)!.headers.authorization, 'Bearer siem-token');
  await until(async () => {
    await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
    return (await page.getByTestId('deliveries-table').getByText('Delivered').count()) > 0 ? true : undefined;
  }, 'a delivered batch in the history');
  const runLink = page.getByTestId('deliveries-table').getByRole('link', { name: 'Open run' }).first();
  assert.match(
    (await runLink.getAttribute('href')) ?? '',
    /^http:\/\/temporal-ui\.invalid:8233\/namespaces\/default\/workflows\/.+\/history$/,
  );
  await screenshot('manage-sink');

  // Pause and resume: the API's status follows.
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByText('Delivery paused').waitFor();
  assert.equal(
    (await p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: builder })).body.status,
    'paused',
  );
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByText('Delivery resumed.').waitFor();
  assert.equal((await p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: builder })).body.paused, false);

  // Replay from before the first event: delivered again.
  const before = receiver.acceptedEvents().filter((e) => e.id === 'mg_1').length;
  await page.getByLabel('From (your local time)').fill('2020-01-01T00:00:00');
  await page.getByRole('button', { name: 'Replay from this time' }).click();
  await page.getByTestId('replay-result').waitFor();
  assert.match(await page.getByTestId('replay-result').innerText(), /rewound/);
  await until(
    async () => (receiver.acceptedEvents().filter((e) => e.id === 'mg_1').length > before ? true : undefined),
    'mg_1 delivered again after the replay',
  );

  // Editing where it sends warns that the stored secrets do not follow (on a fresh load: the replay's
  // refresh re-renders the form with the sink's new state, which would drop a value typed before it).
  await page.reload();
  await page.locator('#edit-config-url').waitFor();
  await page.locator('#edit-config-url').fill(`${receiver.url}/other`);
  await page.getByTestId('secrets-dropped-warning').waitFor();

  await page.goto(`${p.url}/console/sinks?ws=${WS}`);
  await page.getByTestId('sinks-table').getByRole('link', { name: 'SIEM' }).waitFor();
  await screenshot('manage-sinks');
  await page.goto(`${p.url}/console/sinks/new?ws=${WS}&type=syslog`);
  await page.getByLabel('Protocol').waitFor();
  await screenshot('manage-sink-new');

  // A viewer reads the same sink but gets no control that changes it.
  await signOut();
  const viewer = await p.createKey({ tenantId: TENANT, role: 'viewer', workspaceIds: [WS] });
  await signIn(page, p.url, viewer, `/console/sinks/${encodeURIComponent(sinkId)}?ws=${WS}`);
  await page.getByRole('heading', { level: 1, name: 'SIEM' }).waitFor();
  await page.getByRole('heading', { name: 'Delivery history' }).waitFor();
  for (const name of [
    'Pause',
    'Disable',
    'Send test event',
    'Delete sink',
    'Save changes',
    'Replay from this time',
  ]) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, `a viewer sees no "${name}"`);
  }
  assert.equal(await page.locator('input:not([type=search]), textarea').count(), 0, 'no editable field');
  await openSection(page, 'Sinks');
  assert.equal(await page.getByRole('link', { name: 'New sink' }).count(), 0);
  await signOut();
  assert.deepEqual(errors, []);
});

test('an admin marks an action canonical, tags it, and filters by the tag', async () => {
  await freshPage();
  await ingest([
    { id: 'ac_1', action: 'member.invited' },
    { id: 'ac_2', action: 'member.removed' },
    { id: 'ac_3', action: 'invoice.paid' },
  ]);
  const admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  await signIn(page, p.url, admin);
  await openSection(page, 'Actions');
  const table = page.getByTestId('actions-table');
  await until(async () => {
    await page.reload();
    return (await table.getByText('member.invited').count()) > 0 ? true : undefined;
  }, 'the inventory lists member.invited');

  await page.getByRole('switch', { name: 'member.invited is canonical' }).click();
  await until(async () => {
    const res = await p.request('GET', '/v1/audit/actions/canonical', { token: admin });
    return res.body.data.some((a: { action: string }) => a.action === 'member.invited') ? true : undefined;
  }, 'member.invited canonical through the API');
  await until(
    async () =>
      (await page.getByRole('switch', { name: 'member.invited is canonical' }).isChecked()) || undefined,
    'the switch shows canonical',
  );

  await page.getByRole('button', { name: 'Edit tags of member.invited' }).click();
  const tags = page.getByLabel('Tags of member.invited');
  await tags.fill('Not A Slug');
  await page.getByRole('button', { name: 'Save tags' }).click();
  await page.locator('#tags-member-invited-error').waitFor();
  await tags.fill('membership, security');
  await page.getByRole('button', { name: 'Save tags' }).click();
  await table.getByText('membership').waitFor();

  await page.getByLabel('Tag', { exact: true }).selectOption('membership');
  await until(async () => ((await table.locator('tbody tr').count()) === 1 ? true : undefined), 'one row');
  assert.match(page.url(), /tag=membership/);
  assert.equal(await table.getByText('member.removed').count(), 0);
  await page.getByLabel('Canonical', { exact: true }).selectOption('false');
  await page.getByText('No actions match').waitFor();
  await page.goBack();
  await table.getByText('member.invited').waitFor();
  await page.getByLabel('Tag', { exact: true }).selectOption('');
  await table.getByText('invoice.paid').waitFor();
  await screenshot('manage-actions');
  await signOut();

  // An auditor sees the inventory without a switch or an editor.
  const auditor = await p.createKey({ tenantId: TENANT, role: 'auditor' });
  await signIn(page, p.url, auditor);
  await openSection(page, 'Actions');
  await table.getByText('member.invited').waitFor();
  assert.equal(await page.getByRole('switch').count(), 0);
  assert.equal(await page.getByRole('button', { name: /Edit tags/ }).count(), 0);
  await signOut();
  assert.deepEqual(errors, []);
});

test('the Health page shows the figures and draws the trend from the snapshot history', async () => {
  await freshPage();
  const owner = await p.createKey({ tenantId: TENANT, role: 'tenant_admin' });
  for (let i = 0; i < 3; i++) {
    await ingest([{ id: `hl_${i}`, action: 'health.probe' }]);
    await new Promise((r) => setTimeout(r, 1100));
  }
  const snapshots = await until(async () => {
    const res = await p.request('GET', '/v1/audit/metrics/history', { token: owner });
    return res.body.data.length >= 3 ? res.body.data : undefined;
  }, 'three snapshots');
  const metrics = await p.request('GET', `/v1/audit/metrics?workspaceId=${WS}`, { token: owner });

  await signIn(page, p.url, owner, `/console/health?ws=${WS}`);
  await page.getByRole('heading', { level: 1, name: 'Health' }).waitFor();
  await page.getByTestId('events-total').waitFor();
  assert.equal(
    Number((await page.getByTestId('events-total').innerText()).replace(/,/g, '')),
    metrics.body.events.total,
  );
  await page.getByTestId('delivery-verdict').waitFor();
  await page.getByTestId('health-sinks').getByText('SIEM').waitFor();
  const line = page.getByTestId('chart-events').locator('polyline');
  await line.waitFor();
  const points = ((await line.getAttribute('points')) ?? '').trim().split(' ');
  assert.ok(points.length >= snapshots.length - 1, `one point per interval (${points.length})`);
  assert.match(
    (await page.getByTestId('chart-events').locator('svg').getAttribute('aria-label')) ?? '',
    /Events received per minute/,
  );
  // A sink with no lag draws a flat line, whose box has no height: Playwright calls that hidden.
  const lagLine = page.getByTestId('chart-lag').locator('polyline').first();
  await lagLine.waitFor({ state: 'attached' });
  assert.ok(
    ((await lagLine.getAttribute('points')) ?? '').trim().split(' ').length >= 2,
    'a lag line is drawn',
  );
  await screenshot('manage-health');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot('manage-health-mobile');
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(errors, []);
});
