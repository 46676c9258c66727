import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PROBLEM_SLUGS, PROBLEM_TYPES } from '../../src/domain/problem-types.js';
import { problemType } from '../../src/http/problem.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// A problem's `type` is a relative reference: resolved against the request URL, it must lead to a
// page that explains the problem.
let p: TestPlatform;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
});
after(async () => {
  await p?.stop();
});

test('every problem type the code can emit resolves to an explanation page (HTML and JSON)', async () => {
  // ProblemError.slug and problemJson() accept only catalogue slugs (a type error otherwise), so
  // the catalogue is the set of types the code can emit.
  assert.ok(PROBLEM_SLUGS.length >= 12);
  for (const slug of PROBLEM_SLUGS) {
    const url = new URL(problemType(slug), `${p.url}/v1/audit/events`);
    const html = await fetch(url);
    assert.equal(html.status, 200, slug);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const text = await html.text();
    assert.ok(text.includes(PROBLEM_TYPES[slug].title), `${slug}: title`);
    assert.ok(text.includes(`HTTP ${PROBLEM_TYPES[slug].status}`), `${slug}: status`);

    const json = await fetch(url, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), { type: problemType(slug), ...PROBLEM_TYPES[slug] });
  }
  // The page's stylesheet, under the same CSP.
  assert.equal((await fetch(`${p.url}/docs/page.css`)).status, 200);
});

test('the types of real error answers resolve', async () => {
  const producer = await p.createKey({ tenantId: 't_problems', role: 'producer' });
  const answers = [
    await p.request('POST', '/v1/audit/events', { token: null, body: {} }),
    await p.request('POST', '/v1/audit/events', { token: producer, body: { actorKind: 'robot' } }),
    await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    }),
    await p.request('POST', '/v1/audit/events', {
      token: producer,
      rawBody: 'x',
      headers: { 'content-type': 'text/plain' },
    }),
    await p.request('GET', '/v1/audit/events', { token: producer }),
    await p.request('GET', '/v1/nothing-here'),
    await p.request('GET', '/healthz?probe=1', { token: null }),
  ];
  const types = answers.map((a) => a.body.type as string);
  assert.deepEqual(types, [
    '/problems/unauthorized',
    '/problems/validation-error',
    '/problems/malformed-request',
    '/problems/unsupported-media-type',
    '/problems/forbidden',
    '/problems/not-found',
    '/problems/validation-error',
  ]);
  for (const type of new Set(types)) {
    const res = await fetch(new URL(type, p.url));
    assert.equal(res.status, 200, type);
  }
});

test('an unknown problem type is a 404 problem', async () => {
  const res = await p.request('GET', '/problems/no-such-problem', { token: null });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.body.type, '/problems/not-found');
});
