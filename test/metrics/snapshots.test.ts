import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import type { MetricsSnapshot } from '../../src/domain/metrics.js';
import { metricsSnapshotScheduleId } from '../../src/temporal/metrics-snapshot-schedule.js';
import { testEnv } from '../helpers/env.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { countEvents, event, ingest, metrics, waitFor } from './support.js';

const TENANT = 't_snap';
const OTHER = 't_snap_other';
let p: TestPlatform;
let connection: Connection;
let client: Client;
let viewer: string;

async function history(query = '', token: string | null = viewer) {
  return p.request<{ data: MetricsSnapshot[]; next: string | null }>(
    'GET',
    `/v1/audit/metrics/history${query}`,
    { token },
  );
}

before(async () => {
  // The real schedule, fired every second instead of every minute.
  p = await startTestPlatform({ AUDIT_METRICS_SNAPSHOT_INTERVAL_SECONDS: '1' });
  connection = await Connection.connect({ address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS') });
  client = new Client({ connection, namespace: 'default' });
  const producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  viewer = await p.createKey({ tenantId: TENANT, role: 'viewer' });
  await ingest(p, producer, [event('user.login', { workspaceId: 'w1' }), event('Not Valid')]);
  const otherProducer = await p.createKey({ tenantId: OTHER, role: 'producer' });
  await ingest(p, otherProducer, [event('user.login', { workspaceId: 'w1' })]);
});
after(async () => {
  await p?.stop();
  await connection?.close();
});

test('the worker created the audit-metrics-snapshot schedule on its task queue; one minute by default', async () => {
  const handle = client.schedule.getHandle(metricsSnapshotScheduleId(`${p.taskQueue}:`));
  assert.equal(handle.scheduleId, `${p.taskQueue}:audit-metrics-snapshot`);
  const described = await handle.describe();
  assert.equal(described.action.type, 'startWorkflow');
  assert.equal(described.action.workflowType, 'metricsSnapshotWorkflow');
  assert.equal(described.action.taskQueue, p.taskQueue);
  assert.equal(described.spec.intervals?.[0]?.every, 1000);
  assert.equal(loadConfig({}).metrics.snapshotIntervalMs, 60_000);
});

test('scheduled runs store per-tenant snapshots that history returns oldest first', async () => {
  // Wait for two snapshots taken after the rollup caught up with the tenant's events.
  const total = await countEvents(p, TENANT);
  const snapshots = await waitFor(async () => {
    const res = await history();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const settled = res.body.data.filter((s) => s.events.total === total);
    return settled.length >= 2 ? res.body.data : undefined;
  }, 'two snapshots with every event folded');
  const times = snapshots.map((s) => Date.parse(s.takenAt));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  assert.equal(new Set(times).size, times.length, 'one snapshot per tenant and run');

  const last = snapshots.at(-1)!;
  const live = await metrics(p, viewer);
  assert.deepEqual(last.events, live.events);
  assert.deepEqual(last.actions, live.actions);
  assert.deepEqual(last.sinks, live.sinks);
  assert.equal(last.actions.invalidActionCount, 1);
  assert.ok(!('generatedAt' in last));

  // The runs are workflows started by the schedule.
  const described = await client.schedule.getHandle(metricsSnapshotScheduleId(`${p.taskQueue}:`)).describe();
  const run = described.info.recentActions.at(-1)!.action.workflow;
  assert.ok(run.workflowId.startsWith(`${p.taskQueue}:audit-metrics-snapshot`));
  const result = await client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
  assert.ok(result.tenants >= 2, JSON.stringify(result));
});

test('history pages through a range with a bounded limit', async () => {
  await waitFor(async () => ((await history()).body.data.length >= 3 ? true : undefined), 'three snapshots');
  const all = (await history()).body.data;
  const first = await history('?limit=2');
  assert.equal(first.body.data.length, 2);
  assert.deepEqual(first.body.data, all.slice(0, 2));
  assert.equal(first.body.next, all[2]!.takenAt);
  const to = all.at(-1)!.takenAt; // exclusive
  const rest = await history(`?from=${encodeURIComponent(first.body.next!)}&to=${encodeURIComponent(to)}`);
  assert.deepEqual(rest.body.data, all.slice(2, -1));
  assert.equal(rest.body.next, null);
  const empty = await history('?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z');
  assert.deepEqual(empty.body, { data: [], next: null });
});

test('history validates its parameters', async () => {
  for (const query of [
    '?from=yesterday',
    '?to=2026-01-01',
    '?limit=0',
    '?limit=2001',
    '?limit=many',
    '?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
  ]) {
    const res = await history(query);
    assert.equal(res.status, 400, query);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
  }
});

test('history is per tenant: other tenants, producers and workspace-bound callers get nothing', async () => {
  const otherViewer = await p.createKey({ tenantId: OTHER, role: 'viewer' });
  const own = await waitFor(async () => {
    const res = await history('', otherViewer);
    return res.body.data.length > 0 ? res.body.data : undefined;
  }, 'the other tenant snapshot');
  assert.ok(
    own.every((s) => s.actions.invalidActionCount === 0),
    'its own figures only',
  );
  assert.equal((await history(`?tenantId=${TENANT}`, otherViewer)).status, 403);
  const producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  assert.equal((await history('', producer)).status, 403);
  const bound = await p.createKey({ tenantId: TENANT, role: 'viewer', workspaceIds: ['w1'] });
  assert.equal((await history('', bound)).status, 403);
  assert.equal((await history('', null)).status, 401);
  const asOperator = await p.request('GET', `/v1/audit/metrics/history?tenantId=${OTHER}&limit=1`);
  assert.equal(asOperator.status, 200);
  assert.equal(asOperator.body.data.length, 1);
});

test('stopping a test platform deletes its schedules from the shared server', async () => {
  const prefix = `${p.taskQueue}:`;
  const ids = async () => {
    const found: string[] = [];
    for await (const s of client.schedule.list())
      if (s.scheduleId.startsWith(prefix)) found.push(s.scheduleId);
    return found.sort();
  };
  // Listing is eventually consistent (visibility): wait for both to show up first.
  await waitFor(async () => ((await ids()).length === 2 ? true : undefined), 'both schedules listed');
  await p.stop();
  for (const id of [`${prefix}audit-inventory-promotion`, `${prefix}audit-metrics-snapshot`]) {
    await assert.rejects(client.schedule.getHandle(id).describe(), /not found/i, id);
  }
  p = undefined as unknown as TestPlatform;
});
