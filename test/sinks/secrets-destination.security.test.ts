import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { type HttpReceiver, startHttpReceiver } from './receivers.js';

/** Write-only secrets stay with their destination (issue 14, item 3). */

const SECRET = 'whsec_original_0123456789abcdef';
const TOKEN = 'Bearer siem-token-of-the-original-receiver';
const ROLE = 'arn:aws:iam::123456789012:role/audit-publisher';
const OTHER_ROLE = 'arn:aws:iam::210987654321:role/somebody-else';
const STREAM = 'arn:aws:kinesis:eu-west-1:123456789012:stream/audit';

let p: TestPlatform;
let original: HttpReceiver;
let moved: HttpReceiver;
let builder: string;

before(async () => {
  original = await startHttpReceiver(SECRET);
  moved = await startHttpReceiver();
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' }, { worker: false });
  builder = await p.createKey({ tenantId: 't_move', role: 'connector_builder' });
});
after(async () => {
  await p?.stop();
  await original?.close();
  await moved?.close();
});

async function httpSink(workspaceId: string) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: builder,
    body: {
      name: 'siem',
      type: 'http',
      workspaceId,
      config: { url: `${original.url}/hook`, secret: SECRET, headers: { Authorization: TOKEN } },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const patch = (id: string, config: object) =>
  p.request('PATCH', `/v1/audit/sinks/${id}`, { token: builder, body: { config } });
const testSink = (id: string) => p.request('POST', `/v1/audit/sinks/${id}/test`, { token: builder });

test('changing only the url drops the stored headers and signing secret: the new receiver gets neither', async () => {
  const sink = await httpSink('w_url');
  const first = await testSink(sink.id);
  assert.equal(first.body.ok, true, JSON.stringify(first.body));
  assert.equal(original.requests.at(-1)!.headers.authorization, TOKEN);
  assert.equal(original.requests.at(-1)!.signatureValid, true);

  const changed = await patch(sink.id, { url: `${moved.url}/elsewhere` });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.config.headers, undefined);
  assert.equal(changed.body.config.secret, undefined);
  assert.equal(changed.body.config.previousSecret, undefined);
  assert.ok(changed.body.warnings.some((w: string) => /dropped/.test(w) && /headers/.test(w)));

  const second = await testSink(sink.id);
  assert.equal(second.body.ok, true, JSON.stringify(second.body));
  const received = moved.requests.at(-1)!;
  assert.equal(received.path, '/elsewhere');
  assert.equal(received.headers.authorization, undefined);
  assert.equal(received.headers['x-audit-signature'], undefined);
  assert.ok(!JSON.stringify(received.headers).includes('siem-token'));

  const audit = await p.request('GET', '/v1/audit/events?workspaceId=w_url&action=audit.sink_updated', {
    token: builder,
  });
  assert.deepEqual(audit.body.data[0].metadata.secretsDropped, ['headers', 'secret']);
});

test('a url change keeps what the same PATCH supplies again; "***" cannot carry a secret to a new url', async () => {
  const sink = await httpSink('w_again');
  const refused = await patch(sink.id, { url: `${moved.url}/x`, headers: '***', secret: '***' });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.errors.map((e: { pointer: string }) => e.pointer).sort(), [
    '/config/headers',
    '/config/secret',
  ]);
  assert.equal((await testSink(sink.id)).body.ok, true, 'the refused PATCH changed nothing');
  assert.equal(original.requests.at(-1)!.headers.authorization, TOKEN);

  const resent = await patch(sink.id, {
    url: `${moved.url}/again`,
    headers: { Authorization: 'Bearer new' },
  });
  assert.equal(resent.status, 200, JSON.stringify(resent.body));
  assert.equal(resent.body.config.headers, '***');
  assert.equal(resent.body.config.secret, undefined);
  await testSink(sink.id);
  const received = moved.requests.at(-1)!;
  assert.equal(received.path, '/again');
  assert.equal(received.headers.authorization, 'Bearer new');
  assert.equal(received.headers['x-audit-signature'], undefined);

  // A change that keeps the url keeps the secrets.
  const renamed = await patch(sink.id, { url: `${moved.url}/again`, timeoutMs: 5000 });
  assert.equal(renamed.body.config.headers, '***');
});

test('an externalId goes with its role: dropped when roleArn changes, kept when only the stream does', async () => {
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: builder,
    body: {
      name: 'kinesis',
      type: 'kinesis',
      workspaceId: 'w_role',
      enabled: false,
      config: { streamArn: STREAM, roleArn: ROLE, externalId: 'ext-secret-4b1d9c' },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const stream = await patch(id, { streamArn: `${STREAM}-2` });
  assert.equal(stream.status, 200);
  assert.equal(stream.body.config.externalId, '***');
  const role = await patch(id, { roleArn: OTHER_ROLE });
  assert.equal(role.status, 200, JSON.stringify(role.body));
  assert.equal(role.body.config.externalId, undefined);
  const { rows } = await p.db.pool.query('select config from audit_sinks where id = $1', [id]);
  assert.equal(rows[0].config.externalId, undefined, 'gone from the database too');
});
