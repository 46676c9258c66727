import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// `npm ci` refuses a lock file whose workspaces it cannot find: every stage that installs must have
// copied each workspace's manifest first.
const dockerfile = readFileSync('Dockerfile', 'utf8');
const { workspaces } = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces?: string[] };

test('the Dockerfile copies every workspace manifest before each npm ci', () => {
  assert.ok(workspaces && workspaces.length > 0, 'package.json declares its workspaces');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  for (const stage of stages.filter((s) => /^RUN npm ci/m.test(s))) {
    const install = stage.search(/^RUN npm ci/m);
    for (const workspace of workspaces) {
      const copy = stage.search(new RegExp(`^COPY ${workspace}/package\\.json \\./${workspace}/$`, 'm'));
      assert.ok(copy >= 0 && copy < install, `${stage.split('\n')[0]}: COPY ${workspace}/package.json`);
    }
  }
});
