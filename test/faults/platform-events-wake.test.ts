import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectTestTemporal } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { type HttpReceiver, startHttpReceiver } from '../sinks/receivers.js';
import { waitUntilIdle } from './support.js';

// SPEC: a new event reaches an active sink within a few seconds. The events the platform writes itself
// (audit.sink_created, audit.sink_updated…) are events of the workspace like any other: they wake its
// sinks after they commit, rather than waiting for the workflows' 5-minute fallback timer.

const TENANT = 't_selfwake';
let p: TestPlatform;
let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
let admin: string;
const receivers: HttpReceiver[] = [];

before(async () => {
  p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' });
  temporal = await connectTestTemporal();
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
});
after(async () => {
  await p?.stop();
  await temporal?.env.teardown();
  for (const r of receivers) await r.close();
});

async function createSink(name: string, workspaceId: string) {
  const r = await startHttpReceiver();
  receivers.push(r);
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name, type: 'http', workspaceId, config: { url: `${r.url}/ingest` } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { sink: res.body as { id: string; workflowId: string }, receiver: r };
}

const actionsAt = (r: HttpReceiver, sinkId: string) =>
  r
    .acceptedEvents()
    .filter((e) => e.resourceId === sinkId)
    .map((e) => e.action);

test('changing one sink wakes the workspace’s other sinks with the audit event, with nothing posted', async (t) => {
  const a = await createSink('a', 'w_self');
  // A delivers its own audit.sink_created, then goes idle.
  await waitFor(
    'A delivers its own creation',
    async () => actionsAt(a.receiver, a.sink.id).length > 0,
    60_000,
  );
  await waitUntilIdle(temporal.client, a.sink.workflowId);

  const b = await createSink('b', 'w_self');
  await waitFor(
    'B’s creation at A',
    async () => actionsAt(a.receiver, b.sink.id).includes('audit.sink_created'),
    30_000,
  );
  await waitUntilIdle(temporal.client, a.sink.workflowId);

  const changed = Date.now();
  const patch = await p.request('PATCH', `/v1/audit/sinks/${b.sink.id}`, {
    token: admin,
    body: { name: 'b renamed' },
  });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  // Within seconds, not at the 5-minute fallback timer (the bound is generous for a busy machine).
  await waitFor(
    'audit.sink_updated at A',
    async () => actionsAt(a.receiver, b.sink.id).includes('audit.sink_updated'),
    30_000,
    50,
  );
  t.diagnostic(`audit.sink_updated reached the other sink ${Date.now() - changed} ms after the PATCH`);
});
