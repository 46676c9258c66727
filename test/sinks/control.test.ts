import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { testEnv } from '../helpers/env.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';

const TENANT = 't_ctl';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let kinesis: ReturnType<typeof kinesisClient>;
let temporal: { client: Client; connection: Connection };
let admin: string;
let producer: string;

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  kinesis = kinesisClient(kinesalite.endpoint);
  // A plain client: the SDK's test environment would claim the process-wide runtime the worker installs.
  const connection = await Connection.connect({ address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS') });
  temporal = { connection, client: new Client({ connection }) };
  p = await startTestPlatform({ AUDIT_REGION: 'eu-west-1' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await temporal?.connection.close();
  await kinesalite?.close();
});

async function createSink(workspaceId: string, streamArn: string, name = `sink of ${workspaceId}`) {
  const res = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name, type: 'kinesis', workspaceId, config: { streamArn } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function ingest(workspaceId: string, ids: string[]) {
  const res = await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { events: ids.map((id) => ({ id, workspaceId, actorKind: 'system', action: 'test.control' })) },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

async function idsIn(stream: string): Promise<string[]> {
  return (await readStream(kinesis, stream)).map((r) => JSON.parse(r.data).id as string);
}

/**
 * Posts events one request after another until stopped, noting which requests started after `mark()`.
 * A second, always-enabled sink on the same workspace is the witness that delivery had every chance.
 */
function ingestContinuously(workspaceId: string, prefix: string) {
  let stopped = false;
  let marked = false;
  const after: string[] = [];
  const all: string[] = [];
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const id = `${prefix}_${i}`;
      const late = marked;
      await ingest(workspaceId, [id]);
      all.push(id);
      if (late) after.push(id);
    }
  })();
  return {
    mark: () => {
      marked = true;
    },
    stop: async () => {
      stopped = true;
      await loop;
      return { after, all };
    },
  };
}

for (const how of ['disable', 'delete'] as const) {
  test(`nothing accepted after ${how} answers reaches the stream`, async () => {
    const ws = `w_${how}`;
    const target = await createStream(kinesis, `${how}-target`);
    const witness = await createStream(kinesis, `${how}-witness`);
    const sink = await createSink(ws, target);
    await createSink(ws, witness, 'witness');
    const load = ingestContinuously(ws, how);
    await waitFor('deliveries under way', async () => (await idsIn(`${how}-target`)).length > 5, 30_000);

    const res =
      how === 'disable'
        ? await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, { token: admin, body: { enabled: false } })
        : await p.request('DELETE', `/v1/audit/sinks/${sink.id}`, { token: admin });
    load.mark();
    assert.equal(res.status, how === 'disable' ? 200 : 204);
    if (how === 'disable') assert.equal(res.body.status, 'disabled');
    await waitFor('some events after the change', async () => (await idsIn(`${how}-witness`)).length > 0);
    await new Promise((r) => setTimeout(r, 300));
    const { after: late, all } = await load.stop();
    assert.ok(late.length > 0, 'events were accepted after the answer');
    // The witness has every event, so the target's workflow had every chance to publish them too.
    await waitFor(
      'the witness to catch up',
      async () => {
        const got = new Set(await idsIn(`${how}-witness`));
        return all.every((id) => got.has(id));
      },
      30_000,
    );
    const published = new Set(await idsIn(`${how}-target`));
    const leaked = late.filter((id) => published.has(id));
    assert.deepEqual(leaked, [], `published after ${how} answered`);

    // Its workflow ends (disabled) or is gone (deleted).
    const handle = temporal.client.workflow.getHandle(sink.workflowId);
    await waitFor('the workflow to end', async () => (await handle.describe()).status.name !== 'RUNNING');
    if (how === 'delete') {
      const gone = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
      assert.equal(gone.status, 404);
    }
  });
}

test('re-enabling resumes from the cursor: events accepted while disabled are delivered', async () => {
  const arn = await createStream(kinesis, 'resume-stream');
  const sink = await createSink('w_resume', arn);
  await waitFor('sink_created', async () => (await idsIn('resume-stream')).length >= 1);
  const off = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { enabled: false },
  });
  assert.equal(off.body.status, 'disabled');
  await ingest('w_resume', ['while_off_1', 'while_off_2']);
  const on = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { enabled: true },
  });
  assert.equal(on.body.status, 'active');
  await waitFor('the backlog', async () => {
    const ids = await idsIn('resume-stream');
    return ids.includes('while_off_1') && ids.includes('while_off_2');
  });
});

test('pause holds delivery back and resume catches up', async () => {
  const arn = await createStream(kinesis, 'pause-stream');
  const sink = await createSink('w_pause', arn);
  await waitFor('sink_created', async () => (await idsIn('pause-stream')).length >= 1);
  const paused = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { paused: true },
  });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.status, 'paused');
  await ingest('w_pause', ['paused_1']);
  const lagging = await waitFor('lag to show', async () => {
    const res = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
    return res.body.lagEvents >= 2 ? res.body : undefined; // the PATCH's own audit event and ours
  });
  assert.equal(lagging.status, 'paused');
  assert.ok(!(await idsIn('pause-stream')).includes('paused_1'));
  await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, { token: admin, body: { paused: false } });
  await waitFor('the held event', async () => (await idsIn('pause-stream')).includes('paused_1'));
  const caughtUp = await waitFor('lag back to zero', async () => {
    const res = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
    return res.body.lagEvents === 0 ? res.body : undefined;
  });
  assert.equal(caughtUp.status, 'active');
});

test('a missing stream sets the sink failing; PATCHing the config recovers it with nothing lost', async () => {
  const missingArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/not-there-yet';
  const sink = await createSink('w_fail', missingArn);
  // Our deployment runs in eu-west-1: the region mismatch is a warning, on create and on read.
  assert.match(sink.warnings.join(' '), /us-east-1.*eu-west-1/);
  await ingest('w_fail', ['fail_1']);
  const failing = await waitFor('failing', async () => {
    const res = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
    return res.body.status === 'failing' ? res.body : undefined;
  });
  assert.match(failing.lastError, /ResourceNotFound/);
  assert.match(failing.warnings.join(' '), /us-east-1/);
  const history = await p.request('GET', `/v1/audit/sinks/${sink.id}/deliveries`, { token: admin });
  assert.equal(history.body.data[0].status, 'failed');
  assert.match(history.body.data[0].error, /ResourceNotFound/);

  const test1 = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(test1.status, 200);
  assert.equal(test1.body.ok, false);
  assert.equal(test1.body.errorKind, 'config');

  const goodArn = await createStream(kinesis, 'fixed-stream');
  const fixed = await p.request('PATCH', `/v1/audit/sinks/${sink.id}`, {
    token: admin,
    body: { config: { streamArn: goodArn } },
  });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  await waitFor('recovery', async () => (await idsIn('fixed-stream')).includes('fail_1'), 30_000);
  const healthy = await waitFor('active again', async () => {
    const res = await p.request('GET', `/v1/audit/sinks/${sink.id}`, { token: admin });
    return res.body.status === 'active' && res.body.lastDeliveryAt ? res.body : undefined;
  });
  assert.equal(healthy.lastError, null);

  const test2 = await p.request('POST', `/v1/audit/sinks/${sink.id}/test`, { token: admin });
  assert.equal(test2.body.ok, true, JSON.stringify(test2.body));
  const probe = await waitFor('the test event', async () =>
    (await readStream(kinesis, 'fixed-stream')).find((r) => r.data.includes('audit.sink.test')),
  );
  assert.equal(JSON.parse(probe.data).id, test2.body.eventId);
});

test('the workflow is found by its readable id and by search attributes, with the sink name in its memo', async () => {
  const arn = await createStream(kinesis, 'visible-stream');
  const sink = await createSink('w_visible', arn, 'Security lake');
  assert.equal(sink.workflowId, `${p.taskQueue}:sink:${TENANT}:${sink.id}`);
  const found = await waitFor('visibility', async () => {
    for await (const wf of temporal.client.workflow.list({
      query: `AuditSinkId = '${sink.id}' AND AuditTenantId = '${TENANT}' AND AuditWorkspaceId = 'w_visible' AND AuditSinkType = 'kinesis'`,
    })) {
      return wf;
    }
    return undefined;
  });
  assert.equal(found.workflowId, sink.workflowId);
  assert.equal(found.type, 'sinkDeliveryWorkflow');
  assert.equal(found.memo?.sinkName, 'Security lake');
});
