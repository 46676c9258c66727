import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const run = promisify(execFile);

// The snippet of docs/API-CLIENT.md, against types generated from the live document: it must
// compile under strict settings and work.
let p: TestPlatform;
let dir: string;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
  dir = await mkdtemp(join(tmpdir(), 'audit-typed-client-'));
});
after(async () => {
  await p?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a client generated from /openapi.json compiles strictly and ingests an event', async () => {
  const ast = await openapiTS(new URL(`${p.url}/openapi.json`));
  const types = astToString(ast);
  assert.match(types, /ingestEvents: \{/, 'operations are named by their operationId');
  await writeFile(join(dir, 'audit-api.ts'), types);

  const guide = await readFile('docs/API-CLIENT.md', 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(guide)?.[1];
  assert.ok(snippet, 'docs/API-CLIENT.md has a ts block');
  await writeFile(join(dir, 'client.ts'), snippet);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        types: ['node'],
        lib: ['ES2023', 'DOM'],
        outDir: 'out',
      },
      files: ['client.ts', 'audit-api.ts'],
    }),
  );
  // openapi-fetch and @types/node from this repository.
  await symlink(resolve('node_modules'), join(dir, 'node_modules'), 'dir');

  const tsc = resolve('node_modules/typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', dir]).catch((err) => err);
  assert.equal(compiled.code ?? 0, 0, `tsc:\n${compiled.stdout}${compiled.stderr}`);

  // A wrong body does not compile.
  await writeFile(join(dir, 'client.ts'), snippet.replace("actorKind: 'user'", "actorKind: 'robot'"));
  const wrong = await run(process.execPath, [tsc, '-p', dir, '--noEmit']).catch((err) => err);
  assert.notEqual(wrong.code ?? 0, 0, 'tsc rejects an actorKind the API does not accept');
  assert.match(wrong.stdout, /robot/);

  const producer = await p.createKey({ tenantId: 't_client', role: 'producer' });
  const out = await run(process.execPath, [join(dir, 'out/client.js')], {
    env: { ...process.env, AUDIT_URL: p.url, PRODUCER_KEY: producer },
  });
  assert.equal(out.stdout.trim(), 'stored 1, duplicates 0');
});
