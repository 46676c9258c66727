import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { blockedReason, createSsrfGuard } from '../../src/sinks/ssrf-guard.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from './kinesis-helpers.js';
import {
  type HttpReceiver,
  type SyslogListener,
  startHttpReceiver,
  startSyslogListener,
} from './receivers.js';

const TENANT = 't_ssrf';

/** Every range the guard refuses, with an address inside it: IPv4, IPv6 and IPv4-mapped IPv6. */
const BLOCKED: Array<[string, RegExp]> = [
  ['127.0.0.1', /loopback/],
  ['127.255.0.9', /loopback/],
  ['10.1.2.3', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.254', /private/],
  ['192.168.1.1', /private/],
  ['169.254.169.254', /link-local.*metadata/],
  ['169.254.10.10', /link-local/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.254', /carrier-grade NAT/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['0.0.0.0', /unspecified/],
  ['255.255.255.255', /broadcast/],
  ['::1', /loopback/],
  ['::', /unspecified/],
  ['fe80::1', /link-local/],
  ['febf::1', /link-local/],
  ['fc00::1', /unique-local/],
  ['fd00:ec2::254', /unique-local.*metadata/],
  ['ff02::1', /multicast/],
  ['::ffff:127.0.0.1', /loopback.*IPv4-mapped/],
  ['::ffff:7f00:1', /loopback.*IPv4-mapped/],
  ['::ffff:10.0.0.1', /private.*IPv4-mapped/],
  ['::ffff:169.254.169.254', /metadata.*IPv4-mapped/],
  ['::ffff:a9fe:a9fe', /metadata.*IPv4-mapped/],
  ['::ffff:100.64.0.1', /carrier-grade NAT.*IPv4-mapped/],
  // IPv6 forms that embed an IPv4 address: judged by the address inside, or refused whole.
  ['::7f00:1', /loopback.*IPv4-compatible/],
  ['::127.0.0.1', /loopback.*IPv4-compatible/],
  ['::a9fe:a9fe', /metadata.*IPv4-compatible/],
  ['64:ff9b::7f00:1', /loopback.*NAT64/],
  ['64:ff9b::10.0.0.1', /private.*NAT64/],
  ['64:ff9b:1::a00:1', /local-use NAT64/],
  ['64:ff9b:1:ffff::8.8.8.8', /local-use NAT64/],
  ['2002:7f00:1::1', /loopback.*6to4/],
  ['2002:a9fe:a9fe::', /metadata.*6to4/],
  ['::ffff:0:7f00:1', /loopback.*IPv4-translated/],
  ['::ffff:0:169.254.169.254', /metadata.*IPv4-translated/],
  ['2001::1', /Teredo/],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
];
const ALLOWED = [
  '8.8.8.8',
  '172.32.0.1',
  '100.128.0.1',
  '192.169.0.1',
  '2606:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::8.8.8.8',
  '2002:808:808::1',
  '::ffff:0:8.8.8.8',
  '2001:4860:4860::8888',
  '2001:db8::1',
];

/** Numeric spellings getaddrinfo resolves (all loopback or private), a port in the host, a numeric TLD. */
const NON_CANONICAL_HOSTS = [
  '2130706433',
  '0177.0.0.1',
  '0x7f.1',
  '0x7f000001',
  '127.1',
  '012.0.0.1',
  '10.1',
  '127.0.0.1.',
  '1.2.3.4:514',
  'syslog.example.com:514',
  'internal.0x0a',
  'foo.123',
];

const urlHost = (address: string) => (address.includes(':') ? `[${address}]` : address);

let guarded: TestPlatform;
let open: TestPlatform;
let receiver: HttpReceiver;
let tcp: SyslogListener;

before(async () => {
  receiver = await startHttpReceiver();
  tcp = await startSyslogListener('tcp');
  guarded = await startTestPlatform();
  open = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
});
after(async () => {
  await guarded?.stop();
  await open?.stop();
  await receiver?.close();
  await tcp?.close();
});

async function create(p: TestPlatform, type: string, workspaceId: string, config: object, enabled = true) {
  return p.request('POST', `/v1/audit/sinks?tenantId=${TENANT}`, {
    body: { name: `${type} ${workspaceId}`, type, workspaceId, config, enabled },
  });
}

test('the guard refuses every blocked range, IPv4, IPv6 and IPv4-mapped, and lets public addresses through', () => {
  for (const [address, reason] of BLOCKED) assert.match(blockedReason(address) ?? 'allowed', reason, address);
  for (const address of ALLOWED) assert.equal(blockedReason(address), null, address);
  assert.equal(blockedReason('localhost'), null, 'names are checked when resolved');
});

test('a name that resolves to loopback is refused by the lookup, and allowed with the flag', async () => {
  await assert.rejects(
    createSsrfGuard({ allowPrivate: false }).resolve('localhost'),
    /localhost resolves to .*loopback/,
  );
  const allowed = await createSsrfGuard({ allowPrivate: true }).resolve('localhost');
  assert.ok(['127.0.0.1', '::1'].includes(allowed.address));
});

test('by default, literal blocked addresses are refused at create (400 pointing at the field), for http and syslog', async () => {
  for (const [address] of BLOCKED) {
    const http = await create(guarded, 'http', 'w_lit', { url: `https://${urlHost(address)}:8443/hook` });
    assert.equal(http.status, 400, `http ${address}: ${JSON.stringify(http.body)}`);
    assert.equal(http.body.errors[0].pointer, '/config/url');
    assert.match(http.body.errors[0].detail, /may not reach it/);
    const syslog = await create(guarded, 'syslog', 'w_lit', { host: address, protocol: 'tcp' });
    assert.equal(syslog.status, 400, `syslog ${address}`);
    assert.equal(syslog.body.errors[0].pointer, '/config/host');
  }
});

test('by default, a PATCH to a blocked literal is refused too, and plain http is refused', async () => {
  const sink = await create(guarded, 'http', 'w_patch', { url: 'https://siem.example.com/hook' }, false);
  assert.equal(sink.status, 201, JSON.stringify(sink.body));
  const patched = await guarded.request('PATCH', `/v1/audit/sinks/${sink.body.id}?tenantId=${TENANT}`, {
    body: { config: { url: 'https://[::ffff:169.254.169.254]/latest/meta-data' } },
  });
  assert.equal(patched.status, 400);
  assert.equal(patched.body.errors[0].pointer, '/config/url');
  const plain = await create(guarded, 'http', 'w_patch', { url: 'http://siem.example.com/hook' });
  assert.equal(plain.status, 400);
  assert.match(plain.body.errors[0].detail, /must be https/);
  const syslog = await create(
    guarded,
    'syslog',
    'w_patch',
    { host: 'syslog.example.com', protocol: 'udp' },
    false,
  );
  assert.equal(syslog.status, 201);
  const moved = await guarded.request('PATCH', `/v1/audit/sinks/${syslog.body.id}?tenantId=${TENANT}`, {
    body: { config: { host: '10.0.0.5' } },
  });
  assert.equal(moved.status, 400);
  assert.equal(moved.body.errors[0].pointer, '/config/host');
});

test('syslog host: numeric shorthands, a port and numeric last labels are refused at create and PATCH, even with the guard lifted', async () => {
  for (const p of [guarded, open]) {
    for (const host of NON_CANONICAL_HOSTS) {
      const res = await create(p, 'syslog', 'w_numeric', { host, protocol: 'tcp' }, false);
      assert.equal(res.status, 400, `${host}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errors[0].pointer, '/config/host', host);
    }
  }
  const sink = await create(
    guarded,
    'syslog',
    'w_numeric',
    { host: 'syslog.example.com', protocol: 'tcp' },
    false,
  );
  assert.equal(sink.status, 201);
  for (const host of NON_CANONICAL_HOSTS) {
    const res = await guarded.request('PATCH', `/v1/audit/sinks/${sink.body.id}?tenantId=${TENANT}`, {
      body: { config: { host } },
    });
    assert.equal(res.status, 400, host);
    assert.equal(res.body.errors[0].pointer, '/config/host', host);
  }
  for (const host of [
    'syslog.example.com.',
    'SIEM.Example.com',
    '8.8.8.8',
    '2606:4700::1111',
    '[2606:4700::1111]',
  ]) {
    const res = await guarded.request('PATCH', `/v1/audit/sinks/${sink.body.id}?tenantId=${TENANT}`, {
      body: { config: { host } },
    });
    assert.equal(res.status, 200, `${host}: ${JSON.stringify(res.body)}`);
  }
});

test('by default, a name that resolves to loopback is refused at delivery: the sink goes failing and nothing connects', async () => {
  const before = { http: receiver.requests.length, tcp: tcp.messages.length };
  const http = await create(guarded, 'http', 'w_name', { url: `https://localhost:${receiver.port}/hook` });
  const syslog = await create(guarded, 'syslog', 'w_name', {
    host: 'localhost',
    port: tcp.port,
    protocol: 'tcp',
  });
  const udp = await create(guarded, 'syslog', 'w_name', {
    host: 'localhost',
    port: tcp.port,
    protocol: 'udp',
  });
  for (const sink of [http, syslog, udp]) {
    assert.equal(sink.status, 201, JSON.stringify(sink.body));
    const failing = await waitFor('the sink failing', async () => {
      const s = (await guarded.request('GET', `/v1/audit/sinks/${sink.body.id}?tenantId=${TENANT}`)).body;
      return s.status === 'failing' ? s : undefined;
    });
    assert.match(failing.lastError, /localhost resolves to .*loopback/);
  }
  assert.equal(receiver.requests.length, before.http);
  assert.equal(tcp.messages.length, before.tcp);
});

test('with AUDIT_ALLOW_PRIVATE_SINK_HOSTS=true every blocked literal is accepted', async () => {
  for (const [address] of BLOCKED) {
    // Disabled: nothing should try to reach 10.x or multicast from a test.
    const http = await create(
      open,
      'http',
      'w_open',
      { url: `https://${urlHost(address)}:8443/hook` },
      false,
    );
    assert.equal(http.status, 201, `http ${address}: ${JSON.stringify(http.body)}`);
    const syslog = await create(open, 'syslog', 'w_open', { host: address, protocol: 'tcp' }, false);
    assert.equal(syslog.status, 201, `syslog ${address}`);
  }
  // Plain http stays for private hosts only.
  const plainPublic = await create(open, 'http', 'w_open', { url: 'http://8.8.8.8/hook' }, false);
  assert.equal(plainPublic.status, 400);
});

test('with AUDIT_ALLOW_PRIVATE_SINK_HOSTS=true a name resolving to loopback delivers, over http and syslog', async () => {
  const http = await create(open, 'http', 'w_local', { url: `http://localhost:${receiver.port}/hook` });
  const syslog = await create(open, 'syslog', 'w_local', {
    host: 'localhost',
    port: tcp.port,
    protocol: 'tcp',
  });
  assert.equal(http.status, 201);
  assert.equal(syslog.status, 201);
  // Each sink delivers its own audit.sink_created event first.
  await waitFor('the http delivery', async () =>
    receiver.acceptedEvents().some((e) => e.resourceId === http.body.id),
  );
  await waitFor('the syslog delivery', async () =>
    tcp.messages.some((m) => JSON.parse(m.msg).resourceId === syslog.body.id),
  );
});
