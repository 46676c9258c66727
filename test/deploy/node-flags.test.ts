import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { PRODUCTION_NODE_FLAGS } from '../../src/main/node-flags.js';

// The API and worker run with PRODUCTION_NODE_FLAGS wherever they are launched; the tests and
// benchmarks take them from src/main/node-flags.ts, so the image and the scripts must say the same.
const dockerfile = readFileSync('Dockerfile', 'utf8');
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const services = (
  parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, any>;
  }
).services;

describe('production node flags', () => {
  test('are V8 heap flags that NODE_OPTIONS accepts', () => {
    assert.ok(PRODUCTION_NODE_FLAGS.length > 0);
    for (const flag of PRODUCTION_NODE_FLAGS) assert.match(flag, /^--max-(old|semi)-space-size=\d+$/);
  });

  test('the image sets them in NODE_OPTIONS, in its runtime stage', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const value = /^\s*(?:ENV\s+)?NODE_OPTIONS=("[^"]*"|\S+)/m.exec(runtime)?.[1]?.replace(/^"|"$/g, '');
    assert.equal(value, PRODUCTION_NODE_FLAGS.join(' '));
  });

  test('docker-compose runs node in the image without replacing NODE_OPTIONS', () => {
    for (const tier of ['api', 'worker']) {
      assert.equal(services[tier].command[0], 'node', tier);
      assert.ok(
        !('NODE_OPTIONS' in (services[tier].environment ?? {})),
        `${tier} keeps the image's NODE_OPTIONS`,
      );
    }
  });

  for (const [script, runner] of [
    ['start:api', 'tsx'],
    ['start:worker', 'tsx'],
    ['start:prod:api', 'node'],
    ['start:prod:worker', 'node'],
  ] as const) {
    test(`npm run ${script} passes them to node before the entry point`, () => {
      // `exec`: the shell npm runs the script in gives way, so npm's SIGTERM reaches the process itself.
      const words = scripts[script]!.replace(/^exec\s+/, '').split(/\s+/);
      assert.equal(words[0], runner);
      assert.deepEqual(words.slice(1, -1), [...PRODUCTION_NODE_FLAGS], scripts[script]);
      assert.match(words.at(-1)!, /^(dist\/)?src\/main\/(api|worker)\.(ts|js)$/);
    });
  }
});
