import assert from 'node:assert/strict';
import { get, request } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/**
 * One request cannot stall the process: while hostile bodies are sent, /healthz (same process, same
 * event loop, the API and the worker together as `npm start` runs them) keeps answering. Before the fix
 * a 3.8 MiB body nested two million levels deep held the event loop for seconds in JSON.parse, even
 * from a viewer key that may not ingest at all; metadata with 300,000 keys did the same in JSON.parse,
 * zod and JSON.stringify. The bound is generous on purpose (a slow shared machine): the old code took
 * seconds, the new one answers within milliseconds.
 */
const STALL_BOUND_MS = 1000;

let p: TestPlatform;
let viewer: string;
let producer: string;
before(async () => {
  p = await startTestPlatform();
  viewer = await p.createKey({ tenantId: 't_stall', role: 'viewer' });
  producer = await p.createKey({ tenantId: 't_stall', role: 'producer' });
});
after(() => p?.stop());

function deepBody(levels: number): string {
  return `{"actorKind":"user","action":"stall.deep","metadata":{"x":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
}

function wideBody(keys: number): string {
  const members: string[] = [];
  for (let i = 0; i < keys; i++) members.push(`"k${i}":${i}`);
  return `{"actorKind":"user","action":"stall.wide","metadata":{${members.join(',')}}}`;
}

/**
 * POST on a connection of its own: a server that answers before reading the body (403) may close the
 * connection once it has answered, which must not break the next request of a shared keep-alive pool.
 */
function postOnNewConnection(
  token: string,
  body: string,
  opts: { chunked?: boolean } = {},
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = request(
      `${p.url}/v1/audit/events`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(opts.chunked ? { 'transfer-encoding': 'chunked' } : {}),
        },
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may stop reading the body once it has answered: that write error is expected.
    req.on('error', (err) => (responded ? undefined : reject(err)));
    if (opts.chunked) {
      // Several writes without a length: the server cannot know the size until it reads the body.
      const chunk = 256 * 1024;
      const write = (at: number): void => {
        if (responded || at >= body.length) {
          req.end();
          return;
        }
        if (req.write(body.slice(at, at + chunk))) write(at + chunk);
        else req.once('drain', () => write(at + chunk));
      };
      write(0);
    } else {
      req.end(body);
    }
  });
}

/** Sends `body` while /healthz is polled; the slowest /healthz answer is the stall the request caused. */
async function sendWhilePolling(token: string, body: string) {
  let polling = true;
  let worst = 0;
  const poller = (async () => {
    while (polling) {
      const t0 = performance.now();
      // A connection of its own each time; a failed poll counts for as long as it took to fail.
      await new Promise<void>((resolve) => {
        get(`${p.url}/healthz`, { agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        }).on('error', () => resolve());
      });
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  const res = await postOnNewConnection(token, body);
  const text = res.text;
  await new Promise((r) => setTimeout(r, 50));
  polling = false;
  await poller;
  return { status: res.status, type: res.type, body: JSON.parse(text), worst };
}

test('a 3.8 MiB body nested 1.9 million levels from a viewer key: 403 before the body is read', async () => {
  const body = deepBody(1_900_000);
  assert.ok(body.length > 3.8 * 1e6);
  const res = await sendWhilePolling(viewer, body);
  assert.ok(res.worst < STALL_BOUND_MS, `/healthz waited ${res.worst.toFixed(0)} ms`);
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.match(res.type, /application\/problem\+json/);
});

test('the same body from a producer key: 400 naming /metadata, no stall', async () => {
  const res = await sendWhilePolling(producer, deepBody(1_900_000));
  assert.ok(res.worst < STALL_BOUND_MS, `/healthz waited ${res.worst.toFixed(0)} ms`);
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.match(res.type, /application\/problem\+json/);
  assert.ok(
    res.body.errors.some((e: { pointer: string }) => e.pointer.startsWith('/metadata/x')),
    JSON.stringify(res.body.errors).slice(0, 300),
  );
});

test('metadata with 300,000 keys: 400 naming /metadata, no stall', async () => {
  const body = wideBody(300_000);
  const res = await sendWhilePolling(producer, body);
  assert.ok(res.worst < STALL_BOUND_MS, `/healthz waited ${res.worst.toFixed(0)} ms`);
  assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
  assert.match(res.type, /application\/problem\+json/);
  assert.ok(
    res.body.errors.some((e: { pointer: string }) => e.pointer === '/metadata'),
    JSON.stringify(res.body.errors).slice(0, 300),
  );
});

test('metadata limits: 32 levels and 1,000 keys in all are stored, one more of either is a 400', async () => {
  const nest = (levels: number) => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v as Record<string, unknown>;
  };
  const keys = (n: number) => {
    // Spread over ten objects: each stays far below the per-object bound of the body scan.
    const m: Record<string, Record<string, number>> = {};
    for (let g = 0; g < 10; g++) m[`g${g}`] = {};
    for (let i = 0; i < n - 10; i++) m[`g${i % 10}`]![`k${i}`] = 0;
    return m;
  };
  const post = (metadata: unknown) =>
    p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { actorKind: 'user', action: 'stall.limits', metadata },
    });
  assert.equal((await post(nest(32))).status, 202);
  const deep = await post(nest(33));
  assert.equal(deep.status, 400);
  assert.match(deep.body.errors[0].pointer, /^\/metadata(\/a)+$/);
  assert.match(deep.body.errors[0].detail, /32 levels/);
  assert.equal((await post(keys(1000))).status, 202);
  const wide = await post(keys(1001));
  assert.equal(wide.status, 400);
  assert.equal(wide.body.errors[0].pointer, '/metadata');
  assert.match(wide.body.errors[0].detail, /1000 keys/);
});

test('a chunked body over 5 MiB: 401 for an unknown key, 403 for a viewer (unread), 413 for a producer', async () => {
  const body = JSON.stringify({
    actorKind: 'user',
    action: 'stall.big',
    metadata: { x: 'a'.repeat(6 * 1024 * 1024) },
  });
  const unknown = await postOnNewConnection('ak_unknown', body, { chunked: true });
  assert.equal(unknown.status, 401, unknown.text.slice(0, 200));
  const denied = await postOnNewConnection(viewer, body, { chunked: true });
  assert.equal(denied.status, 403, denied.text.slice(0, 200));
  assert.match(denied.type, /application\/problem\+json/);
  const tooLarge = await postOnNewConnection(producer, body, { chunked: true });
  assert.equal(tooLarge.status, 413, tooLarge.text.slice(0, 200));
  assert.match(tooLarge.type, /application\/problem\+json/);
});
