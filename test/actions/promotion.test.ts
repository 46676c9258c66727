import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { PromoteInventoryResult } from '../../activities/inventory.js';
import { inventoryPromotionScheduleId } from '../../src/temporal/inventory-promotion-schedule.js';
import type { inventoryPromotionWorkflow } from '../../workflows/inventory-promotion.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectTestTemporal } from '../helpers/temporal.js';
import { actionPath, event, ingest, inventory, waitFor, waitForCount } from './support.js';

const TENANT = 't_promotion';
const OTHER = 't_promotion_other';
const HOUR = 3_600_000;
// Thresholds for this file: seen 10 times, first seen 24 hours ago. Near: 8 times and 19.2 hours.
const ENV = { AUDIT_PROMOTION_MIN_COUNT: '10', AUDIT_PROMOTION_MIN_AGE_HOURS: '24' };

let p: TestPlatform;
let temporal: Awaited<ReturnType<typeof connectTestTemporal>>;
let client: Client;
let producer: string;
let admin: string;
let firstSeen: number;
let runs = 0;

const times = (n: number, action: string) => Array.from({ length: n }, () => event(action));

/** Runs the real workflow on the platform's worker, with the clock set to `asOf`. */
async function promote(asOf?: number): Promise<PromoteInventoryResult> {
  return client.workflow.execute<typeof inventoryPromotionWorkflow>('inventoryPromotionWorkflow', {
    taskQueue: p.taskQueue,
    workflowId: `${p.taskQueue}:promotion-test-${++runs}`,
    args: [asOf === undefined ? {} : { asOf: new Date(asOf).toISOString() }],
  });
}

async function entry(action: string, token = admin) {
  const found = (await inventory(p, token)).find((a) => a.action === action);
  assert.ok(found, `${action} is inventoried`);
  return found;
}

before(async () => {
  p = await startTestPlatform(ENV);
  temporal = await connectTestTemporal();
  client = temporal.client;
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  await ingest(p, producer, [
    ...times(10, 'hot.enough'),
    ...times(12, 'also.enough'),
    ...times(8, 'near.count'),
    ...times(2, 'few.events'),
    ...times(20, 'manual.rejected'),
    ...times(20, 'manual.kept'),
  ]);
  const otherProducer = await p.createKey({ tenantId: OTHER, role: 'producer' });
  await ingest(p, otherProducer, times(3, 'hot.enough'));
  await waitForCount(p, admin, 'manual.kept', 20);
  firstSeen = Math.max(...(await inventory(p, admin)).map((a) => Date.parse(a.firstSeenAt!)));
  for (const [action, canonical] of [
    ['manual.rejected', false],
    ['manual.kept', true],
  ] as const) {
    const res = await p.request('PATCH', actionPath(action), { token: admin, body: { canonical } });
    assert.equal(res.status, 200);
  }
});

after(async () => {
  await client?.schedule
    .getHandle(inventoryPromotionScheduleId(`${p.taskQueue}:`))
    .delete()
    .catch(() => {});
  await temporal?.env.teardown();
  await p?.stop();
});

test('the worker created the schedule: hourly, on its task queue, runnable from the UI', async () => {
  const handle = client.schedule.getHandle(inventoryPromotionScheduleId(`${p.taskQueue}:`));
  assert.equal(handle.scheduleId, `${p.taskQueue}:audit-inventory-promotion`);
  const described = await handle.describe();
  assert.equal(described.action.type, 'startWorkflow');
  assert.equal(described.action.workflowType, 'inventoryPromotionWorkflow');
  assert.equal(described.action.taskQueue, p.taskQueue);
  assert.equal(described.spec.intervals?.[0]?.every, HOUR);

  // "Trigger" in the UI does this: one run now, with the real clock (nothing is old enough yet).
  await handle.trigger();
  const started = await waitFor(async () => {
    const d = await handle.describe();
    return d.info.recentActions[0]?.action.workflow;
  }, 'the triggered run');
  assert.ok(started.workflowId.startsWith(`${p.taskQueue}:audit-inventory-promotion`));
  const result = await client.workflow.getHandle(started.workflowId).result();
  assert.deepEqual(result, { promoted: 0, suggested: 0 });
  assert.equal((await entry('hot.enough')).source, 'discovered');
});

test('a worker starting again updates the settings and keeps an operator pause', async () => {
  const { ensureInventoryPromotionSchedule } = await import(
    '../../src/temporal/inventory-promotion-schedule.js'
  );
  const outcome = await ensureInventoryPromotionSchedule(client, {
    idPrefix: `${p.taskQueue}:`,
    taskQueue: p.taskQueue,
    intervalMs: 2 * HOUR,
  });
  assert.equal(outcome, 'updated');
  const described = await client.schedule
    .getHandle(inventoryPromotionScheduleId(`${p.taskQueue}:`))
    .describe();
  assert.equal(described.spec.intervals?.[0]?.every, 2 * HOUR);
  // Paused from here on, which also keeps a real-clock run from landing between the steps below.
  await client.schedule.getHandle(described.scheduleId).pause('test');
  await ensureInventoryPromotionSchedule(client, {
    idPrefix: `${p.taskQueue}:`,
    taskQueue: p.taskQueue,
    intervalMs: HOUR,
  });
  const again = await client.schedule.getHandle(described.scheduleId).describe();
  assert.equal(again.state.paused, true);
  assert.equal(again.spec.intervals?.[0]?.every, HOUR);
});

test('below the age threshold nothing is promoted; near-threshold names are suggested', async () => {
  assert.deepEqual(await promote(firstSeen + 1 * HOUR), { promoted: 0, suggested: 0 });
  // 20 hours: past 80% of the age (19.2 h); hot.enough, also.enough and near.count are past 80% of the count.
  const result = await promote(firstSeen + 20 * HOUR);
  assert.equal(result.promoted, 0);
  assert.equal(result.suggested, 3);
  for (const name of ['hot.enough', 'also.enough', 'near.count']) {
    const e = await entry(name);
    assert.equal(e.suggested, true, name);
    assert.equal(e.canonical, false, name);
  }
  assert.equal((await entry('few.events')).suggested, false);
  assert.equal((await entry('manual.rejected')).suggested, false, 'manual decisions are never suggested');
});

test('past both thresholds discovered names become canonical with source auto; manual ones stay', async () => {
  const result = await promote(firstSeen + 25 * HOUR);
  assert.deepEqual(result, { promoted: 2, suggested: 1 });
  for (const name of ['hot.enough', 'also.enough']) {
    const e = await entry(name);
    assert.deepEqual([e.canonical, e.source, e.suggested], [true, 'auto', false], name);
  }
  const near = await entry('near.count');
  assert.deepEqual([near.canonical, near.source, near.suggested], [false, 'discovered', true]);
  const few = await entry('few.events');
  assert.deepEqual([few.canonical, few.source, few.suggested], [false, 'discovered', false]);
  const rejected = await entry('manual.rejected');
  assert.deepEqual([rejected.canonical, rejected.source], [false, 'manual']);
  const kept = await entry('manual.kept');
  assert.deepEqual([kept.canonical, kept.source], [true, 'manual']);

  // Per tenant: the other tenant's hot.enough (3 events) is not promoted by this tenant's traffic.
  const other = await p.request('GET', `/v1/audit/actions?tenantId=${OTHER}`);
  const otherHot = other.body.data.find((a: any) => a.action === 'hot.enough');
  assert.deepEqual([otherHot.canonical, otherHot.source], [false, 'discovered']);

  // Each promotion is an audit event in the tenant's own log.
  const audit = await p.request('GET', '/v1/audit/events?action=audit.action_auto_promoted', {
    token: admin,
  });
  assert.deepEqual(audit.body.data.map((e: any) => e.resourceId).sort(), ['also.enough', 'hot.enough']);
  assert.equal(audit.body.data[0].actorKind, 'system');

  // Running again changes nothing.
  assert.deepEqual(await promote(firstSeen + 26 * HOUR), { promoted: 0, suggested: 1 });
});

test('manual decisions stick: a demoted auto name is never promoted again', async () => {
  const res = await p.request('PATCH', actionPath('hot.enough'), {
    token: admin,
    body: { canonical: false },
  });
  assert.equal(res.status, 200);
  assert.deepEqual([res.body.canonical, res.body.source], [false, 'manual']);
  await ingest(p, producer, times(50, 'hot.enough'));
  await waitForCount(p, admin, 'hot.enough', 60);
  await promote(firstSeen + 1000 * HOUR);
  const e = await entry('hot.enough');
  assert.deepEqual([e.canonical, e.source, e.suggested], [false, 'manual', false]);
  assert.deepEqual(
    [(await entry('manual.rejected')).canonical, (await entry('manual.kept')).canonical],
    [false, true],
  );
  // near.count is old enough by now but still short of 10 events.
  assert.equal((await entry('near.count')).canonical, false);
});
