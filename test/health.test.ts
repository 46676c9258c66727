import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../src/runtime/embedded-postgres.js';
import { type DevServer, startTemporalDevServer } from '../src/temporal/dev-server.js';
import { testEnv } from './helpers/env.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

// A Temporal server of this test's own, so it can be stopped under a running API.
let temporal: DevServer;
let p: TestPlatform;
before(async () => {
  temporal = await startTemporalDevServer({
    cliPath: testEnv('AUDIT_TEMPORAL_CLI'),
    port: await freePort(),
    uiPort: 0,
    namespace: 'default',
    ui: false,
  });
  p = await startTestPlatform({ TEMPORAL_ADDRESS: temporal.address }, { worker: false });
});
after(async () => {
  await p.stop();
  await temporal.stop();
});

test('/readyz answers 503 with the reason while Temporal is unreachable', async () => {
  assert.equal((await p.request('GET', '/readyz', { token: null })).status, 200);
  await temporal.stop();
  const res = await p.request('GET', '/readyz', { token: null });
  assert.equal(res.status, 503);
  assert.equal(res.body.checks.database, 'ok');
  assert.notEqual(res.body.checks.temporal, 'ok');
  assert.equal((await p.request('GET', '/healthz', { token: null })).status, 200, 'still alive');
});

test('ingest keeps working while Temporal is down: PostgreSQL is the source of truth', async () => {
  const producer = await p.createKey({ tenantId: 't_h', role: 'producer' });
  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { actorKind: 'user', action: 'a.b' },
  });
  assert.equal(res.status, 202);
});
