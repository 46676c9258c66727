import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let p: TestPlatform;
before(async () => {
  p = await startTestPlatform();
});
after(() => p.stop());

test('readyz reports database and Temporal', async () => {
  const res = await p.request('GET', '/readyz', { token: null });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.checks, { database: 'ok', temporal: 'ok' });
});
