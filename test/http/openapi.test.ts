import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// The document as the API serves it, held to Redocly's recommended rules (what `redocly lint`
// applies by default), offline: the rules ship in @redocly/openapi-core.
type Schema = { $ref?: string; example?: unknown; examples?: unknown };
type MediaType = { schema?: Schema; example?: unknown; examples?: unknown };
type Operation = {
  operationId?: string;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, MediaType> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

let p: TestPlatform;
let source: string;
let doc: Document;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
  const res = await fetch(`${p.url}/openapi.json`);
  assert.equal(res.status, 200);
  source = await res.text();
  doc = JSON.parse(source);
});
after(async () => {
  await p?.stop();
});

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

test('/openapi.json has no error and no warning under the recommended rules', async () => {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source, absoluteRef: `${p.url}/openapi.json`, config });
  assert.deepEqual(
    problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`,
    ),
    [],
  );
});

test('every operation has an operationId', () => {
  const ids = operations().map(([name, op]) => op.operationId ?? `(none on ${name})`);
  assert.ok(ids.length >= 23);
  assert.deepEqual(
    ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id)),
    [],
  );
  assert.equal(new Set(ids).size, ids.length, 'unique');
});

test('every request and response body has an example', () => {
  const resolve = (schema: Schema | undefined) =>
    schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;
  const missing: string[] = [];
  for (const [name, op] of operations()) {
    const bodies: [string, MediaType][] = [
      ...Object.entries(op.requestBody?.content ?? {}).map(([type, m]): [string, MediaType] => [
        `request ${type}`,
        m,
      ]),
      ...Object.entries(op.responses).flatMap(([status, r]) =>
        Object.entries(r.content ?? {}).map(([type, m]): [string, MediaType] => [`${status} ${type}`, m]),
      ),
    ];
    for (const [where, media] of bodies) {
      const schema = resolve(media.schema);
      const has = (x: { example?: unknown; examples?: unknown } | undefined) =>
        x?.example !== undefined || x?.examples !== undefined;
      if (!has(media) && !has(schema)) missing.push(`${name} ${where}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every 429 and 503 problem answer declares Retry-After', () => {
  const missing = operations().flatMap(([name, op]) =>
    ['429', '503']
      .filter(
        (status) =>
          op.responses[status]?.content?.['application/problem+json'] &&
          !op.responses[status].headers?.['Retry-After'],
      )
      .map((status) => `${name} ${status}`),
  );
  assert.deepEqual(missing, []);
  assert.ok(
    operations().some(([, op]) => op.responses['429']),
    'rate-limited operations exist',
  );
});
