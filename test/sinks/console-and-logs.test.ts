import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { waitFor } from './kinesis-helpers.js';
import { type HttpReceiver, startHttpReceiver } from './receivers.js';

/**
 * The platform as `npm start` runs it (API and worker in one process, src/main/dev.ts) against the test
 * database and Temporal, with its stdout captured: the console sink writes there, and so does the
 * logger, at debug level, which lets the test read every log line for secrets.
 */
const TENANT = 't_console';
const ADMIN_TOKEN = `pt_test_${randomBytes(16).toString('hex')}`;
const SECRETS = {
  signing: 'whsec_console_0123456789abcdef',
  rotated: 'whsec_console_rotated_fedcba98',
  header: 'Bearer hdr-secret-7a7a7a7a',
  externalId: 'ext-id-secret-31337',
};

let db: TestDatabase;
let dataDir: string;
let child: ChildProcess;
let url: string;
let stdout = '';
let stderr = '';
let receiver: HttpReceiver;

before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'audit-console-'));
  receiver = await startHttpReceiver(SECRETS.signing);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main/dev.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
      AUDIT_WORKFLOW_BUNDLE: testEnv('AUDIT_WORKFLOW_BUNDLE'),
      AUDIT_ADMIN_TOKEN: ADMIN_TOKEN,
      AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
      AUDIT_DATA_DIR: dataDir,
      AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true',
      AUDIT_REGION: 'us-east-1',
      LOG_LEVEL: 'debug',
      // No AWS here: the s3 sink's AssumeRole fails fast instead of waiting on the network.
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  await waitFor(
    'the platform ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the platform exited:\n${stdout}\n${stderr}`);
      return fetch(`${url}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
    },
    90_000,
    200,
  );
});
after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }
  await receiver?.close();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

let adminKey: string;
let producerKey: string;

async function keys() {
  if (adminKey) return;
  adminKey = (await api('POST', '/v1/admin/api-keys', { tenantId: TENANT, role: 'admin' })).body.key;
  producerKey = (await api('POST', '/v1/admin/api-keys', { tenantId: TENANT, role: 'producer' })).body.key;
}

/** Lines of stdout that are events (the logger's lines carry "level" and "msg"). */
function eventLines(): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    })
    .filter((o) => o && !('level' in o) && 'action' in o);
}

test('console: one wire-JSON line per event on the process stdout', async () => {
  await keys();
  const sink = await api(
    'POST',
    '/v1/audit/sinks',
    { name: 'stdout', type: 'console', workspaceId: 'w_console' },
    adminKey,
  );
  assert.equal(sink.status, 201, sink.text);
  assert.deepEqual(sink.body.config, {});
  const events = Array.from({ length: 25 }, (_, i) => ({
    workspaceId: 'w_console',
    actorKind: 'user',
    actorUserId: `u_${i}`,
    action: 'report.exported',
    metadata: { i, text: 'line\nbreak and "quotes"' },
  }));
  const ingested = await api('POST', '/v1/audit/events', { events }, producerKey);
  assert.equal(ingested.status, 202);
  const ids: string[] = ingested.body.ids;
  await waitFor('the events on stdout', async () => {
    const seen = new Set(eventLines().map((e) => e.id));
    return ids.every((id) => seen.has(id));
  });
  const listed = await api('GET', '/v1/audit/events?workspaceId=w_console&limit=100', undefined, adminKey);
  const wire = new Map((listed.body.data as Array<{ id: string }>).map((e) => [e.id, e]));
  const lines = eventLines().filter((e) => ids.includes(e.id as string));
  assert.equal(lines.length, ids.length, 'each event once');
  for (const line of lines) assert.deepEqual(line, wire.get(line.id as string));
  assert.deepEqual(
    lines.map((l) => l.id),
    ids,
  );
});

test('secrets never appear in any answer or log line (debug level, failures and rotation included)', async () => {
  await keys();
  let n = 0;
  receiver.respond = () => ({ status: n++ === 0 ? 400 : 200 });
  const http = await api(
    'POST',
    '/v1/audit/sinks',
    {
      name: 'signed',
      type: 'http',
      workspaceId: 'w_secret',
      config: {
        url: `${receiver.url}/hook`,
        secret: SECRETS.signing,
        headers: { Authorization: SECRETS.header },
      },
    },
    adminKey,
  );
  assert.equal(http.status, 201, http.text);
  const s3 = await api(
    'POST',
    '/v1/audit/sinks',
    {
      name: 'archive',
      type: 's3',
      workspaceId: 'w_secret',
      config: {
        bucket: 'audit-archive',
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::123456789012:role/audit',
        externalId: SECRETS.externalId,
      },
    },
    adminKey,
  );
  assert.equal(s3.status, 201, s3.text);
  // The http sink fails (400) and logs it; the PATCH rotates the secret and retries it.
  await waitFor('the http sink failing', async () => {
    const s = await api('GET', `/v1/audit/sinks/${http.body.id}`, undefined, adminKey);
    return s.body.status === 'failing';
  });
  const rotated = await api(
    'PATCH',
    `/v1/audit/sinks/${http.body.id}`,
    { config: { secret: SECRETS.rotated } },
    adminKey,
  );
  assert.equal(rotated.status, 200);
  await waitFor('the http sink delivering', async () => receiver.acceptedEvents().length > 0);
  const tested = await api('POST', `/v1/audit/sinks/${http.body.id}/test`, undefined, adminKey);
  assert.equal(tested.body.ok, true);
  await waitFor('the s3 sink failing', async () => {
    const s = await api('GET', `/v1/audit/sinks/${s3.body.id}`, undefined, adminKey);
    return s.body.status === 'failing';
  });

  const answers = [
    http.text,
    s3.text,
    rotated.text,
    tested.text,
    (await api('GET', '/v1/audit/sinks?workspaceId=w_secret', undefined, adminKey)).text,
    (await api('GET', `/v1/audit/sinks/${http.body.id}/deliveries`, undefined, adminKey)).text,
    (await api('GET', `/v1/audit/sinks/${s3.body.id}/deliveries`, undefined, adminKey)).text,
    (await api('GET', '/v1/audit/events?workspaceId=w_secret&limit=100', undefined, adminKey)).text,
  ].join('\n');
  // The logs did talk about these sinks (so the check below reads something real).
  assert.ok(
    stdout.includes(http.body.id) && stdout.includes('sink delivery failed'),
    'the failures were logged',
  );
  for (const [name, secret] of Object.entries(SECRETS)) {
    assert.ok(!answers.includes(secret), `${name} in an answer`);
    assert.ok(!stdout.includes(secret), `${name} in a log line`);
    assert.ok(!stderr.includes(secret), `${name} on stderr`);
  }
  // The header secret did reach the receiver, where it belongs.
  assert.equal(receiver.requests.at(-1)!.headers.authorization, SECRETS.header);
});
