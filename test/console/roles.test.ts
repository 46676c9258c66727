import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { collectBrowserErrors, openSection, signIn } from './console-helpers.js';

/** Roles show, isolation holds, and errors are messages: the console in a real browser. */

const TENANT_A = 't_roles_a';
const TENANT_B = 't_roles_b';
const WS = 'w_roles';
const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/roles';
const JWT_SECRET = 'console-roles-test-secret-0123456789';
/** Controls that change something; a read-only role must see none of them. */
const EDIT_CONTROLS =
  /^(Save|Send test event|Disconnect|Create|New sink|Delete|Pause|Resume|Replay|Mark canonical|Edit tags|Generate)/;

let p: TestPlatform;
let browser: Browser;
let sinkA: string;

before(async () => {
  p = await startTestPlatform({ AUDIT_REGION: 'eu-west-1', AUDIT_JWT_SECRET: JWT_SECRET });
  const admin = await p.createKey({ tenantId: TENANT_A, role: 'admin' });
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'Audit stream',
      type: 'kinesis',
      workspaceId: WS,
      config: { streamArn: ARN },
      paused: true,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  sinkA = created.body.id;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await p?.stop();
});

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

async function editControls(page: Page): Promise<string[]> {
  const names = await page
    .getByRole('button')
    .evaluateAll((buttons) => buttons.map((b) => (b.textContent ?? '').trim()));
  return names.filter((n) => EDIT_CONTROLS.test(n));
}

test('a viewer and an auditor see every page and no edit control; a connector builder manages the stream', async () => {
  for (const role of ['viewer', 'auditor'] as const) {
    const key = await p.createKey({ tenantId: TENANT_A, role, workspaceIds: [WS] });
    const page = await freshPage();
    const errors = collectBrowserErrors(page);
    await signIn(page, p.url, key);
    await openSection(page, 'Audit stream');
    await page.getByText(ARN).waitFor();
    assert.equal(await page.getByLabel('Stream ARN').count(), 0, `${role}: no ARN input`);
    for (const section of ['Audit log', 'Audit stream', 'Sinks', 'Actions', 'Health']) {
      await openSection(page, section);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await editControls(page), [], `${role} on ${section}`);
    }
    assert.deepEqual(errors, [], role);
    await page.context().close();
  }

  const builder = await p.createKey({ tenantId: TENANT_A, role: 'connector_builder', workspaceIds: [WS] });
  const page = await freshPage();
  await signIn(page, p.url, builder);
  await openSection(page, 'Audit stream');
  await page.getByRole('button', { name: 'Save' }).waitFor();
  await page.getByRole('button', { name: 'Disconnect…' }).waitFor();
  await page.getByRole('button', { name: 'Send test event' }).waitFor();
  await page.getByText('Delivery is paused').waitFor();
  await page.context().close();
});

test("tenant B cannot open tenant A's sink by editing the URL, nor read A's workspace", async () => {
  const keyB = await p.createKey({ tenantId: TENANT_B, role: 'tenant_admin' });
  const page = await freshPage();
  await signIn(page, p.url, keyB);
  await page.goto(`${p.url}/console/sinks/${sinkA}`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  assert.equal(await page.getByText(ARN).count(), 0);

  // A workspace-bound key naming another workspace in the URL gets a message, not a blank page.
  const bound = await p.createKey({ tenantId: TENANT_A, role: 'viewer', workspaceIds: ['w_other'] });
  const other = await freshPage();
  await signIn(other, p.url, bound);
  await other.goto(`${p.url}/console/log?ws=${WS}`);
  const alert = other.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /Not allowed.*no access to workspace w_roles/);
  await other.goto(`${p.url}/console/nowhere`);
  await other.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  await page.context().close();
  await other.context().close();
});

test('a key revoked while signed in sends the user back to sign in, with the reason', async () => {
  const admin = await p.createKey({ tenantId: TENANT_A, role: 'tenant_admin' });
  const keys = await p.request('GET', `/v1/admin/api-keys?tenantId=${TENANT_A}`);
  const page = await freshPage();
  await signIn(page, p.url, admin);
  const me = await p.request('GET', '/v1/auth/whoami', { token: admin });
  assert.ok(keys.status === 200);
  const revoked = await p.request('DELETE', `/v1/admin/api-keys/${me.body.actor}`);
  assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
  await openSection(page, 'Audit stream').catch(() => {});
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByText(/Your credential was not accepted any more/).waitFor();
  assert.equal(
    await page.evaluate(() => (globalThis as any).sessionStorage.length),
    0,
    'the credential is gone',
  );

  // Sign out clears the credential too; a wrong credential is a message on the sign-in page.
  const viewer = await p.createKey({ tenantId: TENANT_A, role: 'viewer', workspaceIds: [WS] });
  await signIn(page, p.url, viewer);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.length), 0);
  await page.getByLabel(/API key/).fill('ak_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This credential was not accepted').waitFor();
  const producer = await p.createKey({ tenantId: TENANT_A, role: 'producer' });
  await page.getByLabel(/API key/).fill(producer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The producer role cannot use the console').waitFor();
  await page.context().close();
});

test('with JWTs configured, a user signs in with a JWT and acts as its subject', async () => {
  const jwt = await new SignJWT({ tenant_id: TENANT_A, role: 'auditor', workspace_ids: [WS] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u_jwt_auditor')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const page = await freshPage();
  await page.goto(`${p.url}/console`);
  await page.getByLabel('API key or JWT').fill(jwt);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console sections' }).waitFor();
  await page.getByText('Auditor', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Workspace', { exact: true }).inputValue(), WS);
  assert.ok(!page.url().includes(jwt));
  await page.context().close();
});
