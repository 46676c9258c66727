import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testEnv } from './env.js';

/** The shared dev server that test/run.ts started; each test file uses its own task queue. */
export async function connectTestTemporal() {
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    namespace: 'default',
  });
  return {
    env,
    client: env.client,
    nativeConnection: env.nativeConnection,
    taskQueue: `test-${randomBytes(6).toString('hex')}`,
    workflowBundlePath: testEnv('AUDIT_WORKFLOW_BUNDLE'),
    address: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
  };
}
