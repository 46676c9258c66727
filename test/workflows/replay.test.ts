import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../helpers/env.js';

// Every recorded history (test/fixtures/workflow-histories, made by `npm run histories:record`) must
// replay against today's workflow code. A change that would break running workflows fails here:
// guard it with patched() or ship it under a new workflow type or worker build id.
const DIR = new URL('../fixtures/workflow-histories/', import.meta.url);

test('recorded workflow histories replay deterministically against the current code', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 3, 'histories are recorded');
  const types = new Set<string>();
  for (const file of files) {
    const { workflowId, history } = JSON.parse(await readFile(new URL(file, DIR), 'utf8'));
    types.add(history.events[0].workflowExecutionStartedEventAttributes.workflowType.name);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: testEnv('AUDIT_WORKFLOW_BUNDLE') } },
      history,
      workflowId,
    );
  }
  assert.ok(
    types.has('sinkDeliveryWorkflow') && types.has('inventoryPromotionWorkflow'),
    [...types].join(', '),
  );
});
