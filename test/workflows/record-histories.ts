/**
 * Records real workflow histories for the replay test (`npm run histories:record`). Run it when a
 * workflow's shape changes on purpose, and commit the new files beside the old ones: histories of
 * the previous code must keep replaying, or running workflows would break on upgrade.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { inventoryPromotionScheduleId } from '../../src/temporal/inventory-promotion-schedule.js';
import { testEnv } from '../helpers/env.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectTestTemporal } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import {
  createStream,
  kinesisClient,
  startKinesalite,
  useKinesisEndpoint,
} from '../sinks/kinesis-helpers.js';

const OUT = new URL('../fixtures/workflow-histories/', import.meta.url);
const VERSION = process.env.HISTORY_LABEL ?? new Date().toISOString().slice(0, 10);

let kinesis: Awaited<ReturnType<typeof startKinesalite>>;
let p: TestPlatform;
let client: Client;

before(async () => {
  kinesis = await startKinesalite();
  useKinesisEndpoint(kinesis.endpoint);
  p = await startTestPlatform();
  client = (await connectTestTemporal()).client;
});
after(async () => {
  await p.stop();
  await kinesis.close();
});

/** The history as the Temporal CLI exports it (`temporal workflow show -o json`), the format replay reads. */
async function save(name: string, workflowId: string) {
  const { stdout } = await promisify(execFile)(
    testEnv('AUDIT_TEMPORAL_CLI'),
    [
      'workflow',
      'show',
      '--address',
      testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
      '--workflow-id',
      workflowId,
      '--output',
      'json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const history = JSON.parse(stdout);
  const file = new URL(`${name}.${VERSION}.json`, OUT);
  await writeFile(file, `${JSON.stringify({ workflowId, history })}\n`);
  console.log(`recorded ${file.pathname} (${history.events.length} events)`);
}

test('a sink delivery workflow through delivery, pause, a config error, recovery and disable', async () => {
  const kc = kinesisClient(kinesis.endpoint);
  const streamArn = await createStream(kc, 'history-stream');
  const producer = await p.createKey({ tenantId: 't_hist', role: 'producer' });
  const admin = await p.createKey({ tenantId: 't_hist', role: 'admin' });
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'history', type: 'kinesis', workspaceId: 'w_hist', config: { streamArn } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sinkId = created.body.id as string;
  const sink = () => p.request('GET', `/v1/audit/sinks/${sinkId}`, { token: admin }).then((r) => r.body);
  const ingest = (n: number) =>
    p.request('POST', '/v1/audit/events', {
      token: producer,
      body: {
        events: Array.from({ length: n }, () => ({
          workspaceId: 'w_hist',
          actorKind: 'user',
          action: 'a.b',
        })),
      },
    });

  await ingest(10);
  await waitFor(
    'first delivery',
    async () => (await sink()).lagEvents === 0 && (await sink()).lastDeliveryAt !== null,
  );
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { paused: true } });
  await ingest(5);
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { paused: false } });
  await waitFor('delivery after resume', async () => (await sink()).lagEvents === 0);
  const missing = streamArn.replace(/stream\/.*$/, 'stream/does-not-exist');
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, {
    token: admin,
    body: { config: { streamArn: missing } },
  });
  await ingest(3);
  await waitFor('failing', async () => (await sink()).status === 'failing');
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { config: { streamArn } } });
  await waitFor('recovery', async () => (await sink()).status === 'active' && (await sink()).lagEvents === 0);
  await p.request('PATCH', `/v1/audit/sinks/${sinkId}`, { token: admin, body: { enabled: false } });

  const workflowId = `${p.taskQueue}:sink:t_hist:${sinkId}`;
  await waitFor('the workflow to end', async () => {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name !== 'RUNNING';
  });
  await save('sink-delivery', workflowId);
});

test('an inventory promotion run', async () => {
  const workflowId = `${p.taskQueue}:promotion-history`;
  await client.workflow.execute('inventoryPromotionWorkflow', {
    taskQueue: p.taskQueue,
    workflowId,
    args: [{ asOf: '2026-11-01T00:00:00.000Z' }],
  });
  await save('inventory-promotion', workflowId);
  assert.ok(inventoryPromotionScheduleId(''));
});

test('a metrics snapshot run', async () => {
  const workflowId = `${p.taskQueue}:metrics-snapshot-history`;
  await client.workflow.execute('metricsSnapshotWorkflow', {
    taskQueue: p.taskQueue,
    workflowId,
    args: [{ asOf: '2026-11-01T00:00:00.000Z' }],
  });
  await save('metrics-snapshot', workflowId);
});
