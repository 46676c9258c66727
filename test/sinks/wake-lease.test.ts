import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { testEnv } from '../helpers/env.js';
import { HISTORY_EVENT, historyEventType } from '../helpers/history.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';

// The Temporal bill under steady traffic: while a drainSink activity drains or lingers it holds the
// sink's drain lease, ingest sends no wake-up signals, and the workflow's history stands still.
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let connection: Connection;

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  connection = await Connection.connect({ address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS') });
  p = await startTestPlatform();
});
after(async () => {
  await p?.stop();
  await connection?.close();
  await kinesalite?.close();
});

test('a steady trickle of events costs almost no signals and no extra activities', async () => {
  const kinesis = kinesisClient(kinesalite.endpoint);
  const streamArn = await createStream(kinesis, 'lease-stream');
  const admin = await p.createKey({ tenantId: 't_lease', role: 'admin' });
  const producer = await p.createKey({ tenantId: 't_lease', role: 'producer' });
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: {
      name: 'lease',
      type: 'kinesis',
      workspaceId: 'w',
      config: { streamArn },
      filter: { actions: ['lease.tick'] },
    },
  });
  assert.equal(created.status, 201);
  const workflowId = `${p.taskQueue}:sink:t_lease:${created.body.id}`;
  const client = new Client({ connection });
  const history = async () => (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const count = (events: Awaited<ReturnType<typeof history>>, type: number) =>
    events.filter((e) => historyEventType(e) === type).length;
  await waitFor('the sink workflow to start its first drain', async () => (await history()).length > 0);
  await new Promise((r) => setTimeout(r, 6000));
  const before = await history();

  // 150 POSTs, one every 40 ms (6 s): before the lease this meant a signal per 200 ms debounce window.
  for (let i = 0; i < 150; i++) {
    const res = await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { id: `tick_${i}`, workspaceId: 'w', actorKind: 'system', action: 'lease.tick' },
    });
    assert.equal(res.status, 202);
    await new Promise((r) => setTimeout(r, 40));
  }
  await waitFor(
    'every tick in the stream',
    async () =>
      (await readStream(kinesis, 'lease-stream')).filter((r) => JSON.parse(r.data).action === 'lease.tick')
        .length >= 150,
  );
  const during = await history();
  const signaled =
    count(during, HISTORY_EVENT.WORKFLOW_EXECUTION_SIGNALED) -
    count(before, HISTORY_EVENT.WORKFLOW_EXECUTION_SIGNALED);
  const activities =
    count(during, HISTORY_EVENT.ACTIVITY_TASK_SCHEDULED) -
    count(before, HISTORY_EVENT.ACTIVITY_TASK_SCHEDULED);
  // The first POST signals (the sink was idle), and the waker looks again before its trailing signal is
  // due, finds the woken activity's lease and cancels it: 1 signal when quiet, also with the CPU saturated.
  // Only a lease that really lapses (its renewal stalled for over a second) lets more through. Without the
  // lease the 200 ms debounce alone would send about 30.
  assert.ok(signaled <= 10, `${signaled} wake-up signals for 150 POSTs over 6 s`);
  assert.ok(activities <= 3, `${activities} drainSink activities for 6 s of steady traffic`);
  // Nothing else grows the history: each signal costs at most 4 events (the signal and a workflow task),
  // each drainSink at most 8 (its activity events, the workflow task that scheduled it, a timer pair),
  // plus one trailing workflow task. On a starved machine the first signals and activities add up; on
  // a quiet one this is about 16.
  const added = new Map<string, number>();
  for (const e of during.slice(before.length)) {
    added.set(String(e.eventType), (added.get(String(e.eventType)) ?? 0) + 1);
  }
  const explained = signaled * 4 + activities * 8 + 4;
  assert.ok(
    during.length - before.length <= explained,
    `${during.length - before.length} history events for 150 events, more than ${explained} (${signaled} signals, ${activities} activities): ${JSON.stringify(Object.fromEntries(added))}`,
  );
});
