import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';
import { type HttpReceiver, startHttpReceiver } from './receivers.js';

const TENANT = 't_filter';
const WS = 'w_filter';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let admin: string;
let producer: string;
const receivers: HttpReceiver[] = [];

/** One event of each: exact, prefixed, tagged, and look-alikes a sloppy prefix match would let through. */
const ACTIONS = [
  'member.invited',
  'member.invited_again',
  'billing.invoice_paid',
  'billing.refund_issued',
  'billing_ops.run_started',
  'billingx.invoice_paid',
  'auth.login_failed',
  'auth.password_changed',
  'auth.session_started',
  'Not A Valid Name',
];

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true', AUDIT_REGION: 'us-east-1' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await kinesalite?.close();
  for (const r of receivers) await r.close();
});

async function httpSink(filter: object) {
  const r = await startHttpReceiver();
  receivers.push(r);
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: `filtered ${JSON.stringify(filter)}`,
      type: 'http',
      workspaceId: WS,
      config: { url: r.url },
      filter,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body.filter, filter);
  return { sink: res.body, receiver: r };
}

async function caughtUp(sinkId: string) {
  await waitFor(`sink ${sinkId} caught up`, async () => {
    const s = (await p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: admin })).body;
    return s.lagEvents === 0 && s.status === 'active';
  });
}

test('filters by exact action, by prefix, by inventory tag, and by both, for http and kinesis sinks', async () => {
  // Tags come from the inventory (a never-seen name is pre-registered with them).
  for (const action of ['auth.login_failed', 'auth.password_changed', 'billing.refund_issued']) {
    const res = await p.request('PATCH', `/v1/audit/actions/${encodeURIComponent(action)}/tags`, {
      token: admin,
      body: { tags: action.startsWith('auth.') ? ['security', 'identity'] : ['finance'] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  const exact = await httpSink({ actions: ['member.invited'] });
  const prefix = await httpSink({ actions: ['billing.*'] });
  const tagged = await httpSink({ tags: ['security', 'finance'] });
  const both = await httpSink({ actions: ['auth.*', 'billing.invoice_paid'], tags: ['security'] });
  const all = await httpSink({});
  const arn = await createStream(kinesisClient(kinesalite.endpoint), 'filtered-stream');
  const kinesis = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'security stream',
      type: 'kinesis',
      workspaceId: WS,
      config: { streamArn: arn },
      filter: { tags: ['security'] },
    },
  });
  assert.equal(kinesis.status, 201, JSON.stringify(kinesis.body));

  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { events: ACTIONS.map((action) => ({ workspaceId: WS, actorKind: 'system', action })) },
  });
  assert.equal(res.status, 202);
  for (const s of [exact, prefix, tagged, both, all]) await caughtUp(s.sink.id);
  await caughtUp(kinesis.body.id);

  const got = (r: HttpReceiver) =>
    r
      .acceptedEvents()
      .map((e) => e.action as string)
      .filter((a) => !a.startsWith('audit.'));
  assert.deepEqual(got(exact.receiver), ['member.invited']);
  assert.deepEqual(got(prefix.receiver), ['billing.invoice_paid', 'billing.refund_issued']);
  assert.deepEqual(got(tagged.receiver), [
    'billing.refund_issued',
    'auth.login_failed',
    'auth.password_changed',
  ]);
  assert.deepEqual(got(both.receiver), ['auth.login_failed', 'auth.password_changed']);
  assert.deepEqual(got(all.receiver), ACTIONS);
  // The sinks' own audit.sink_created events pass only the unfiltered sink.
  for (const s of [exact, prefix, tagged, both]) {
    assert.ok(s.receiver.acceptedEvents().every((e) => !(e.action as string).startsWith('audit.')));
  }
  const stream = (await readStream(kinesisClient(kinesalite.endpoint), 'filtered-stream')).map(
    (r) => JSON.parse(r.data).action,
  );
  assert.deepEqual(stream, ['auth.login_failed', 'auth.password_changed']);
});

test('a filter change applies to the next batch, and tags are read at delivery time', async () => {
  const { sink, receiver } = await httpSink({ tags: ['ops'] });
  const send = async (action: string) => {
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { workspaceId: WS, actorKind: 'system', action },
    });
    assert.equal(res.status, 202);
  };
  await send('deploy.finished');
  await caughtUp(sink.id);
  assert.deepEqual(receiver.acceptedEvents(), []);

  const tags = await p.request('PATCH', '/v1/audit/actions/deploy.finished/tags', {
    token: admin,
    body: { tags: ['ops'] },
  });
  assert.equal(tags.status, 200);
  await send('deploy.finished');
  await waitFor('the tagged event', async () => receiver.acceptedEvents().length === 1);

  const patched = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { filter: { actions: ['rollback.*'] } },
  });
  assert.equal(patched.status, 200);
  await send('deploy.finished');
  await send('rollback.started');
  await caughtUp(sink.id);
  assert.deepEqual(
    receiver.acceptedEvents().map((e) => e.action),
    ['deploy.finished', 'rollback.started'],
  );
});
