import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';

// The API as `npm run start:api` runs it, its log read from its stdout.
let db: TestDatabase;
let api: PlatformProcess;
let dataDir: string;
const adminToken = `pt_test_${randomBytes(16).toString('hex')}`;

before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'audit-access-log-'));
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  api = await startPlatformProcess({
    entry: 'api',
    env: {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
      AUDIT_ADMIN_TOKEN: adminToken,
      AUDIT_DATA_DIR: dataDir,
      AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
    },
  });
});
after(async () => {
  await api?.stop();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function logLines(): Array<Record<string, any>> {
  return api
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

async function call(method: string, path: string, token: string, requestId: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'x-request-id': requestId,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function waitForLine(requestId: string, msg: string) {
  for (let i = 0; i < 100; i++) {
    const line = logLines().find((l) => l.requestId === requestId && l.msg === msg);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no "${msg}" line with requestId ${requestId}:\n${api.output().slice(-4000)}`);
}

test('every request gets one info access line: method, route pattern, status, duration, request id, tenant', async () => {
  const created = await fetch(`${api.url}/v1/admin/api-keys`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
      'x-request-id': 'req-key-1',
    },
    body: JSON.stringify({ tenantId: 't_log', role: 'producer' }),
  });
  const producerKey = ((await created.json()) as { key: string }).key;
  // The route's own line and the access line share the request id, and nothing else leaks between them.
  const keyLine = await waitForLine('req-key-1', 'api key created');
  const keyAccess = await waitForLine('req-key-1', 'request');
  assert.equal(keyLine.role, 'producer');
  assert.equal(keyAccess.role, undefined);
  assert.equal(keyAccess.keyId, undefined);
  assert.equal(keyAccess.status, 201);

  const event = { workspaceId: 'w_1', actorKind: 'user', actorUserId: 'u_1', action: 'log.checked' };
  assert.equal(await call('POST', '/v1/audit/events', producerKey, 'req-ingest-1', event), 202);
  const ingest = await waitForLine('req-ingest-1', 'request');
  assert.equal(ingest.level, 30, 'info');
  assert.equal(ingest.method, 'POST');
  assert.equal(ingest.route, '/v1/audit/events');
  assert.equal(ingest.status, 202);
  assert.equal(ingest.tenantId, 't_log');
  assert.equal(typeof ingest.ms, 'number');

  // The route pattern, not the path with its id; the platform token's tenant is the one it names.
  assert.equal(
    await call('GET', '/v1/audit/sinks/snk_nothere?tenantId=t_log', adminToken, 'req-sink-404'),
    404,
  );
  const sink = await waitForLine('req-sink-404', 'request');
  assert.equal(sink.route, '/v1/audit/sinks/:sinkId');
  assert.equal(sink.tenantId, 't_log');
  assert.equal(sink.status, 404);

  // Refused before authentication: still one line, without a tenant.
  assert.equal(await call('GET', '/v1/audit/events', 'ak_wrong', 'req-401'), 401);
  const refused = await waitForLine('req-401', 'request');
  assert.equal(refused.status, 401);
  assert.equal(refused.tenantId, null);

  const output = api.output();
  for (const secret of [producerKey, adminToken, 'ak_wrong']) {
    assert.ok(!output.includes(secret), `no token in the log (${secret.slice(0, 6)}…)`);
  }
});

test('an error logged while handling a request carries its request id, and no token', async () => {
  // A table the authenticator needs goes missing: looking up an API key fails with a database error.
  await db.ownerPool.query('alter table audit_api_keys rename to audit_api_keys_gone');
  try {
    const token = `ak_${randomBytes(32).toString('base64url')}`;
    assert.equal(await call('GET', '/v1/audit/events', token, 'req-broken-db'), 500);
    const error = await waitForLine('req-broken-db', 'unhandled error');
    assert.equal(error.level, 50);
    assert.match(error.err.message, /audit_api_keys/);
    const access = await waitForLine('req-broken-db', 'request');
    assert.equal(access.status, 500);
    assert.ok(!api.output().includes(token), 'the token is in no log line');
  } finally {
    await db.ownerPool.query('alter table audit_api_keys_gone rename to audit_api_keys');
  }
});
