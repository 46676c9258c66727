import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from '../sinks/kinesis-helpers.js';
import { startHttpReceiver } from '../sinks/receivers.js';
import { collectBrowserErrors, openSection, signIn } from './console-helpers.js';

/**
 * The product's story in a real browser: a workspace owner opens Audit stream, pastes the ARN of a
 * (kinesalite) stream, saves, sees the region warning, sends a test event, sees an audited action
 * arrive, disconnects, and the next event is not published.
 */

const TENANT = 't_story';
const WS = 'w_story';
const STREAM = 'console-story';

let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let kinesis: ReturnType<typeof kinesisClient>;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
let browser: Browser;
let page: Page;
let owner: string;
let producer: string;
let errors: string[];

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  kinesis = kinesisClient(kinesalite.endpoint);
  receiver = await startHttpReceiver();
  p = await startTestPlatform({ AUDIT_REGION: 'us-east-1', AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
  owner = await p.createKey({ tenantId: TENANT, role: 'tenant_admin', workspaceIds: [WS] });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  errors = collectBrowserErrors(page);
});
after(async () => {
  await browser?.close();
  await p?.stop();
  await receiver?.close();
  await kinesalite?.close();
});

async function ingest(id: string, action = 'connection_created') {
  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { id, tenantId: TENANT, workspaceId: WS, actorKind: 'user', actorUserId: 'u_story', action },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

const streamIds = async () =>
  (await readStream(kinesis, STREAM)).map((r) => JSON.parse(r.data) as { id: string; action: string });

test('connect, warn, test, deliver, disconnect: the Audit stream page end to end', async () => {
  const arn = await createStream(kinesis, STREAM);
  assert.match(arn, /^arn:aws:kinesis:us-east-1:\d{12}:stream\/console-story$/);

  await signIn(page, p.url, owner);
  // The owner's key is bound to one workspace: the picker offers that one only, and it is selected.
  const picker = page.getByLabel('Workspace', { exact: true });
  assert.equal(await picker.inputValue(), WS);
  assert.deepEqual(await picker.locator('option').allTextContents(), [WS]);
  await openSection(page, 'Audit stream');
  assert.match(page.url(), /\/console\/stream/);
  assert.ok(!page.url().includes(owner), 'the key never appears in a URL');

  // A stream in another region: warned as the ARN is typed, and by the API after saving.
  const foreign = arn.replace(':us-east-1:', ':eu-central-1:');
  const arnInput = page.getByLabel('Stream ARN');
  await arnInput.fill(foreign);
  const typed = page.getByTestId('region-warning');
  await typed.waitFor();
  assert.match((await typed.textContent()) ?? '', /eu-central-1.*us-east-1/);
  await page.getByRole('button', { name: 'Save' }).click();
  const saved = page.getByTestId('save-result');
  await saved.waitFor();
  assert.match(
    (await saved.textContent()) ?? '',
    /the stream is in eu-central-1 but this deployment runs in us-east-1/,
  );

  // Invalid input shows the API's message next to the field.
  await arnInput.fill('arn:aws:kinesis:nowhere');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('must be a Kinesis stream ARN').waitFor();
  assert.equal(await page.getByTestId('region-warning').count(), 0);

  // The right region: saved without a warning; the status panel is there.
  await arnInput.fill(arn);
  assert.equal(await page.getByTestId('region-warning').count(), 0);
  await page.getByRole('button', { name: 'Save' }).click();
  await waitFor('the save without warnings', async () =>
    /published to the stream within seconds/.test((await saved.textContent()) ?? ''),
  );
  const sinks = await p.request('GET', `/v1/audit/sinks?workspaceId=${WS}`, { token: owner });
  assert.equal(sinks.body.data.length, 1, 'one sink, updated in place');
  const sink = sinks.body.data[0];
  assert.equal(sink.type, 'kinesis');
  assert.equal(sink.config.streamArn, arn);

  // The AWS policies carry the ARN and the typed external id.
  await page.getByLabel('External ID').fill('ext-story-123');
  await page.getByText('Set up access in AWS').click();
  const permissions = JSON.parse((await page.getByTestId('permissions-policy').textContent()) ?? '');
  assert.equal(permissions.Statement[0].Resource, arn);
  const trust = JSON.parse((await page.getByTestId('trust-policy').textContent()) ?? '');
  assert.equal(trust.Statement[0].Condition.StringEquals['sts:ExternalId'], 'ext-story-123');
  await page.getByLabel('External ID').fill('');

  // Send test event: its outcome on the page, its record in the stream.
  await page.getByRole('button', { name: 'Send test event' }).click();
  const outcome = page.getByTestId('test-outcome');
  await outcome.waitFor();
  const outcomeText = (await outcome.textContent()) ?? '';
  assert.match(outcomeText, /Test event delivered/);
  const testEventId = /Event (\S+) \(action/.exec(outcomeText)?.[1];
  assert.ok(testEventId);
  await waitFor('the test event in the stream', async () =>
    (await streamIds()).some((r) => r.id === testEventId && r.action === 'audit.sink.test'),
  );

  // An audited action of the workspace reaches the stream within seconds, and the page shows the delivery.
  const started = Date.now();
  await ingest('evt_story_live');
  await waitFor('the live event in the stream', async () =>
    (await streamIds()).some((r) => r.id === 'evt_story_live'),
  );
  console.log(`event → Kinesis record seen by the test in ${Date.now() - started} ms`);
  await page.getByRole('button', { name: 'Refresh status' }).click();
  await waitFor(
    'the status panel to show a delivery',
    async () => !/never/.test((await page.getByTestId('last-delivery').textContent()) ?? 'never'),
  );
  assert.equal(await page.locator('.badge-active').count(), 1);

  // A barrier for "not published": another sink of the same workspace keeps receiving events.
  const barrier = await p.request('POST', '/v1/audit/sinks', {
    token: owner,
    body: { name: 'barrier', type: 'http', workspaceId: WS, config: { url: receiver.url } },
  });
  assert.equal(barrier.status, 201, JSON.stringify(barrier.body));

  // Disconnect, with a confirmation; Cancel first changes nothing.
  await page.getByRole('button', { name: 'Disconnect…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Disconnect the audit stream?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: owner })).status, 200);
  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
  await page.getByTestId('notice').waitFor();
  assert.match((await page.getByTestId('notice').textContent()) ?? '', /No further event is published/);
  assert.equal((await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: owner })).status, 404);
  await page.getByRole('heading', { name: 'Connect a stream' }).waitFor();

  // The next event reaches the barrier sink, and not the stream.
  await ingest('evt_story_after');
  await waitFor('the event at the barrier sink', async () =>
    receiver.acceptedEvents().some((e) => e.id === 'evt_story_after'),
  );
  const ids = (await streamIds()).map((r) => r.id);
  assert.ok(!ids.includes('evt_story_after'), 'nothing published after Disconnect');
  assert.ok(ids.includes('evt_story_live'));
  assert.deepEqual(errors, []);
});
