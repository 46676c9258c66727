import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from './kinesis-helpers.js';
import {
  type SyslogListener,
  type SyslogMessage,
  selfSignedCertificate,
  startSyslogListener,
} from './receivers.js';

const TENANT = 't_syslog';
let p: TestPlatform;
let admin: string;
let producer: string;
let cert: { key: string; cert: string };
const listeners: SyslogListener[] = [];

before(async () => {
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  cert = await selfSignedCertificate();
});
after(async () => {
  await p?.stop();
  for (const l of listeners) await l.close();
});

async function listener(protocol: 'udp' | 'tcp' | 'tls') {
  const l = await startSyslogListener(protocol, cert);
  listeners.push(l);
  return l;
}

async function createSink(workspaceId: string, config: Record<string, unknown>) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: `syslog ${workspaceId}`, type: 'syslog', workspaceId, config },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** An action with every character RFC 5424 makes us escape in a PARAM-VALUE. */
const TRICKY_ACTION = 'legacy "quoted" [x] back\\slash';

async function ingest(workspaceId: string, n: number) {
  const events = Array.from({ length: n }, (_, i) => ({
    workspaceId,
    occurredAt: '2026-04-28T07:14:55.123+02:00',
    actorKind: 'user',
    actorUserId: `u_${i}`,
    action: i === 0 ? TRICKY_ACTION : 'member.invited',
    resourceType: 'membership',
    resourceId: `m_${i}`,
    metadata: { i, text: 'ünïcode ✓ and ] and "' },
  }));
  const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return (res.body as { ids: string[] }).ids;
}

async function wireEvents(workspaceId: string) {
  const res = await p.request('GET', `/v1/audit/events?workspaceId=${workspaceId}&limit=500`, {
    token: admin,
  });
  return new Map((res.body.data as Array<{ id: string }>).map((e) => [e.id, e]));
}

async function getSink(id: string) {
  return (await p.request('GET', `/v1/audit/sinks/${id}`, { token: admin })).body;
}

/** Every RFC 5424 field of one message, against the stored event. */
function assertMessage(m: SyslogMessage, event: any, opts: { facility: number; appName: string }) {
  assert.equal(m.pri, opts.facility * 8 + 5);
  assert.equal(m.version, '1');
  assert.equal(m.timestamp, new Date(event.occurredAt).toISOString());
  assert.match(m.hostname, /^[\x21-\x7e]+$/);
  assert.equal(m.appName, opts.appName);
  assert.match(m.procId, /^\d+$/);
  assert.equal(m.msgId, 'audit');
  assert.deepEqual(m.sd, {
    'audit@32473': {
      id: event.id,
      tenant: event.tenantId,
      workspace: event.workspaceId,
      action: event.action,
    },
  });
  assert.deepEqual(JSON.parse(m.msg), event);
}

const byId = (l: SyslogListener) => new Map(l.messages.map((m) => [m.sd['audit@32473']?.id, m]));

test('udp: RFC 5424 datagrams with escaped structured data, facility and app name', async () => {
  const l = await listener('udp');
  const sink = await createSink('w_udp', {
    host: '127.0.0.1',
    port: l.port,
    protocol: 'udp',
    facility: 'audit',
    appName: 'acme-audit',
  });
  assert.deepEqual(sink.warnings, [
    'syslog over udp is best effort: a lost datagram is not noticed and not sent again',
  ]);
  const ids = await ingest('w_udp', 3);
  await waitFor('the datagrams', async () => ids.every((id) => byId(l).has(id)));
  const events = await wireEvents('w_udp');
  for (const id of ids)
    assertMessage(byId(l).get(id)!, events.get(id), { facility: 13, appName: 'acme-audit' });
  assert.equal(byId(l).get(ids[0]!)!.sd['audit@32473']!.action, TRICKY_ACTION);
  assert.ok(byId(l).get(ids[0]!)!.raw.includes('action="legacy \\"quoted\\" [x\\] back\\\\slash"'));
  assert.deepEqual(l.errors, []);
});

test('udp is best effort: with nobody listening the batch is recorded as sent, not retried', async () => {
  const gone = await listener('udp');
  const port = gone.port;
  await gone.close();
  listeners.splice(listeners.indexOf(gone), 1);
  const sink = await createSink('w_udp_void', { host: '127.0.0.1', port, protocol: 'udp' });
  await ingest('w_udp_void', 2);
  const history = await waitFor('the batches recorded', async () => {
    const res = await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries`, { token: admin });
    const rows = res.body.data as Array<{ status: string; eventCount: number; attempts: number }>;
    return rows.reduce((n, r) => n + r.eventCount, 0) >= 3 ? rows : undefined;
  });
  assert.ok(history.every((r) => r.status === 'succeeded' && r.attempts === 1));
  const s = await getSink(sink.id);
  assert.equal(s.status, 'active');
  assert.equal(s.lagEvents, 0);
});

test('tcp: octet-counted frames (RFC 6587) carry every event in ingest order', async () => {
  const l = await listener('tcp');
  await createSink('w_tcp', { host: '127.0.0.1', port: l.port, protocol: 'tcp' });
  const ids = await ingest('w_tcp', 300);
  await waitFor('every frame', async () => ids.every((id) => byId(l).has(id)), 60_000);
  assert.deepEqual(l.errors, []);
  const events = await wireEvents('w_tcp');
  for (const id of ids)
    assertMessage(byId(l).get(id)!, events.get(id), { facility: 16, appName: 'audit-platform' });
  const order = l.messages.map((m) => m.sd['audit@32473']!.id).filter((id) => ids.includes(id!));
  assert.deepEqual(order, ids);
});

test('tls (RFC 5425): a private CA given as caCert is trusted and the name is verified', async () => {
  const l = await listener('tls');
  const sink = await createSink('w_tls', {
    host: 'localhost',
    port: l.port,
    protocol: 'tls',
    caCert: cert.cert,
    appName: 'tls-audit',
  });
  assert.match(sink.config.caCert, /BEGIN CERTIFICATE/);
  const ids = await ingest('w_tls', 20);
  await waitFor('every frame over tls', async () => ids.every((id) => byId(l).has(id)));
  assert.deepEqual(
    l.errors.filter((e) => !/ECONNRESET/.test(e)),
    [],
  );
  const events = await wireEvents('w_tls');
  for (const id of ids)
    assertMessage(byId(l).get(id)!, events.get(id), { facility: 16, appName: 'tls-audit' });
});

test('tls without the CA: certificate verification fails and the sink goes failing', async () => {
  const l = await listener('tls');
  const sink = await createSink('w_tls_untrusted', { host: 'localhost', port: l.port, protocol: 'tls' });
  const failing = await waitFor('the sink failing', async () => {
    const s = await getSink(sink.id);
    return s.status === 'failing' ? s : undefined;
  });
  assert.match(failing.lastError, /self[- ]signed|certificate/i);
  assert.equal(l.messages.length, 0);
});

test('config validation: caCert only with tls, a port in range, a known facility', async () => {
  for (const [config, pointer] of [
    [{ host: 'syslog.example.com', protocol: 'tcp', caCert: cert.cert }, '/config/caCert'],
    [{ host: 'syslog.example.com', protocol: 'tcp', port: 70000 }, '/config/port'],
    [{ host: 'syslog.example.com', protocol: 'tcp', facility: 'local9' }, '/config/facility'],
    [{ host: 'syslog.example.com', protocol: 'sctp' }, '/config/protocol'],
    [{ host: 'bad host', protocol: 'udp' }, '/config/host'],
  ] as const) {
    const res = await p.request('POST', '/v1/audit/sinks', {
      token: admin,
      body: { name: 'bad', type: 'syslog', workspaceId: 'w_bad', config },
    });
    assert.equal(res.status, 400, JSON.stringify(config));
    assert.ok(
      res.body.errors.some((e: { pointer: string }) => e.pointer === pointer),
      `${pointer}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  const defaults = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'defaults',
      type: 'syslog',
      workspaceId: 'w_defaults',
      enabled: false,
      config: { host: 'syslog.example.com', protocol: 'tcp' },
    },
  });
  assert.equal(defaults.status, 201);
  assert.equal(defaults.body.config.port, 514);
});
