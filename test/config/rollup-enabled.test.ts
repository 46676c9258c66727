import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('AUDIT_ROLLUP_ENABLED: on by default and when empty, off only when set to a false value', () => {
  assert.equal(loadConfig({}).actions.rollupEnabled, true);
  for (const on of ['', 'true', '1', 'yes'])
    assert.equal(loadConfig({ AUDIT_ROLLUP_ENABLED: on }).actions.rollupEnabled, true, on);
  for (const off of ['false', '0', 'no'])
    assert.equal(loadConfig({ AUDIT_ROLLUP_ENABLED: off }).actions.rollupEnabled, false, off);
  assert.throws(() => loadConfig({ AUDIT_ROLLUP_ENABLED: 'maybe' }), ConfigError);
});
