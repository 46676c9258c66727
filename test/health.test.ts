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

test('/readyz?exclude=temporal is ready while Temporal is down: the API tier probe needs PostgreSQL only', async () => {
  const res = await p.request('GET', '/readyz?exclude=temporal', { token: null });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ready', checks: { database: 'ok' } });
  assert.equal((await p.request('GET', '/readyz?exclude=database', { token: null })).status, 503);
});

test('health routes answer a parameter they do not understand with a 400 problem, on the API and a worker', async () => {
  const worker = await startTestPlatform({}, { api: false, worker: true });
  try {
    for (const base of [p.url, worker.platform.healthUrl]) {
      for (const path of [
        '/healthz?verbose=1',
        '/readyz?exclude=temporal,cache',
        '/readyz?include=database',
      ]) {
        const res = await fetch(`${base}${path}`);
        assert.equal(res.status, 400, `${base}${path}`);
        assert.equal(res.headers.get('content-type'), 'application/problem+json');
        const body = (await res.json()) as { type: string; errors: { pointer: string }[] };
        assert.equal(body.type, '/problems/validation-error');
        assert.ok(body.errors.length > 0);
      }
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      // The worker's problem types resolve on the worker's port too.
      assert.equal((await fetch(`${base}/problems/validation-error`)).status, 200);
    }
  } finally {
    await worker.stop();
  }
});
