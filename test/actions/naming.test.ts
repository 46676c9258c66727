import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidActionName } from '../../src/domain/action-name.js';

// [name, valid with maxSegments 2, valid with maxSegments 3]
const NAMES: Array<[string, boolean, boolean]> = [
  ['connection_created', true, true],
  ['discovery.run_started', true, true],
  ['a', true, true],
  ['x1.y2', true, true],
  ['tenant.member.invited', false, true],
  ['a.b.c.d', false, false],
  ['Connection_created', false, false],
  ['discovery.RunStarted', false, false],
  ['1st_run', false, false],
  ['_private', false, false],
  ['discovery._x', false, false],
  ['discovery.', false, false],
  ['.run_started', false, false],
  ['discovery..run', false, false],
  ['run-started', false, false],
  ['run started', false, false],
  ['run.started ', false, false],
  ['', false, false],
  ['café', false, false],
  ['discovery.run_started\n', false, false],
];

for (const [name, valid2, valid3] of NAMES) {
  test(`${JSON.stringify(name)} is ${valid2 ? 'valid' : 'invalid'} with 2 segments, ${valid3 ? 'valid' : 'invalid'} with 3`, () => {
    assert.equal(isValidActionName(name, 2), valid2);
    assert.equal(isValidActionName(name, 3), valid3);
  });
}

test('one segment allows no prefix at all', () => {
  assert.equal(isValidActionName('connection_created', 1), true);
  assert.equal(isValidActionName('discovery.run_started', 1), false);
});
