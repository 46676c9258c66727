import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { runScaleOut, type ScaleOutResult } from '../helpers/scale-out.js';

let db: TestDatabase;
let result: ScaleOutResult;

before(async () => {
  db = await createTestDatabase();
  result = await runScaleOut({
    databaseUrl: db.url,
    temporalAddress: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    workflowBundlePath: testEnv('AUDIT_WORKFLOW_BUNDLE'),
    tenants: 3,
    eventsPerTenant: 1000,
    batchSize: 50,
    concurrency: 4,
    log: (m) => console.log(`[scale-out] ${m}`),
  });
  console.log(`[scale-out] ${JSON.stringify(result)}`);
});
after(() => db?.drop());

test('every event accepted by either API reaches the stream at least once', () => {
  assert.equal(result.missing, 0);
  assert.equal(result.delivered, result.ingested);
});

test('per-partition (tenant) order is the ingest order', () => {
  assert.deepEqual(result.outOfOrderTenants, []);
});

test('a worker SIGKILLed mid-run loses nothing; duplicates stay within the batches in flight', () => {
  assert.ok(result.killedWorkerAfterEvents > 0 && result.killedWorkerAfterEvents < result.ingested);
  assert.ok(result.killedBusyWorker, 'the killed worker was running a delivery activity');
  // At most one batch per sink can be in flight on the killed worker.
  assert.ok(
    result.duplicates <= result.runningWorkflowsPerSink.length * result.maxBatchEvents,
    `${result.duplicates}`,
  );
});

test("each sink's workflow runs once, on one worker at a time; schedules exist once", () => {
  assert.deepEqual(
    result.runningWorkflowsPerSink,
    result.runningWorkflowsPerSink.map(() => 1),
  );
  assert.ok(result.schedules.length >= 1);
  assert.equal(
    new Set(result.schedules.map((id) => id.replace(/^[^:]+:/, ''))).size,
    result.schedules.length,
  );
});
