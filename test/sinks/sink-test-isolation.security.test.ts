import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type ApiResponse, startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait.js';

/**
 * `POST /v1/audit/sinks/{id}/test` against a destination that accepts the connection and never answers:
 * one tenant's tests must not slow another tenant down (issue 14, item 1).
 */

/** How long the sinks wait for the silent destination (their http timeoutMs). */
const HOLD_MS = 8_000;

interface SilentServer {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener that accepts and holds every connection without a byte of answer. */
async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
};

describe('sink tests against a destination that never answers', () => {
  let p: TestPlatform;
  let silent: SilentServer;
  const keys: Record<string, string> = {};
  const sinks: string[] = [];

  before(async () => {
    silent = await startSilentServer();
    p = await startTestPlatform({ AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' }, { worker: false });
    keys.a = await p.createKey({ tenantId: 't_slow', role: 'connector_builder' });
    keys.b = await p.createKey({ tenantId: 't_fast', role: 'admin' });
    for (let i = 0; i < 6; i++) {
      const res: ApiResponse = await p.request('POST', '/v1/audit/sinks', {
        token: keys.a,
        body: {
          name: `slow ${i}`,
          type: 'http',
          workspaceId: 'w_1',
          config: { url: silent.url, timeoutMs: HOLD_MS },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      sinks.push(res.body.id);
    }
    const ingest = await p.request('POST', '/v1/audit/events', {
      token: await p.createKey({ tenantId: 't_fast', role: 'producer' }),
      body: { events: [{ workspaceId: 'w_1', actorKind: 'user', action: 'fast.read' }] },
    });
    assert.equal(ingest.status, 202);
  });
  after(async () => {
    await p?.stop();
    await silent?.close();
  });

  test('10 concurrent tests of one sink: one runs, the others get 429 with Retry-After at once; another tenant reads and gets its 404 without waiting', async () => {
    const started = performance.now();
    const tests = Array.from({ length: 10 }, () =>
      timed(p.request('POST', `/v1/audit/sinks/${sinks[0]}/test`, { token: keys.a })),
    );
    await waitFor('the test to reach the destination', async () => silent.connections() >= 1);

    // Another tenant, while the test hangs: its reads and its 404 answer at once.
    const read = await timed(p.request('GET', '/v1/audit/events?workspaceId=w_1', { token: keys.b }));
    assert.equal(read.value.status, 200);
    assert.equal(read.value.body.data.length, 1);
    const patch = await timed(
      p.request('PATCH', `/v1/audit/sinks/${sinks[0]}`, { token: keys.b, body: { name: 'mine now' } }),
    );
    assert.equal(patch.value.status, 404);
    const del = await timed(p.request('DELETE', `/v1/audit/sinks/${sinks[0]}`, { token: keys.b }));
    assert.equal(del.value.status, 404);
    const replay = await timed(
      p.request('POST', `/v1/audit/sinks/${sinks[0]}/replay`, {
        token: keys.b,
        body: { from: new Date(0).toISOString() },
      }),
    );
    assert.equal(replay.value.status, 404);
    const stillRunning = performance.now() - started;
    for (const [what, t] of Object.entries({ read, patch, del, replay })) {
      // The property is about time: far below the destination's hold, which has not ended yet.
      assert.ok(t.ms < HOLD_MS / 4, `${what} took ${t.ms.toFixed(0)} ms while a test held for ${HOLD_MS} ms`);
    }
    assert.ok(stillRunning < HOLD_MS, 'the test was still in flight while the other tenant was served');

    const results = await Promise.all(tests);
    const limited = results.filter((r) => r.value.status === 429);
    const ran = results.filter((r) => r.value.status === 200);
    assert.equal(limited.length, 9, JSON.stringify(results.map((r) => r.value.status)));
    assert.equal(ran.length, 1);
    for (const r of limited) {
      assert.match(r.value.headers.get('content-type') ?? '', /problem\+json/);
      assert.ok(Number(r.value.headers.get('retry-after')) >= 1);
      assert.ok(r.ms < ran[0]!.ms, 'a refused test answers before the running one ends');
    }
    assert.equal(ran[0]!.value.body.ok, false);
    assert.equal(silent.connections(), 1, 'only one test reached the destination');
  });

  test('a tenant runs at most 4 tests at once across its sinks', async () => {
    const reached = silent.connections();
    const results = await Promise.all(
      sinks.slice(1, 6).map((id) => p.request('POST', `/v1/audit/sinks/${id}/test`, { token: keys.a })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
    assert.equal(silent.connections() - reached, 4);
  });

  test('a DELETE during a test aborts it and answers after it ended: nothing is sent afterwards', async () => {
    const reached = silent.connections();
    const running = timed(p.request('POST', `/v1/audit/sinks/${sinks[1]}/test`, { token: keys.a }));
    await waitFor('the test to reach the destination', async () => silent.connections() > reached);
    const del = await timed(p.request('DELETE', `/v1/audit/sinks/${sinks[1]}`, { token: keys.a }));
    assert.equal(del.value.status, 204);
    const outcome = await running;
    assert.equal(outcome.value.status, 200);
    assert.equal(outcome.value.body.ok, false);
    assert.match(outcome.value.body.error, /changed, disabled or deleted during the test/);
    assert.ok(outcome.ms < HOLD_MS, 'aborted, not timed out');
    const again = await p.request('POST', `/v1/audit/sinks/${sinks[1]}/test`, { token: keys.a });
    assert.equal(again.status, 404);
  });
});

describe('changes waiting on a batch in flight', () => {
  let p: TestPlatform;
  let locker: pg.Client;

  before(async () => {
    p = await startTestPlatform({}, { worker: false });
    locker = new pg.Client({ connectionString: p.db.url });
    await locker.connect();
  });
  after(async () => {
    await locker?.end();
    await p?.stop();
  });

  test('at most 4 PATCHes of one tenant wait on publish locks at once; the rest answer 429 at once', async () => {
    const key = await p.createKey({ tenantId: 't_busy', role: 'admin' });
    const sink = await p.request('POST', '/v1/audit/sinks', {
      token: key,
      body: { name: 'busy', type: 'console', workspaceId: 'w_1' },
    });
    assert.equal(sink.status, 201);
    const lock = (fn: string) =>
      locker.query(`select ${fn}(hashtextextended('audit_sink:' || $1::text, 0))`, [sink.body.id]);
    await lock('pg_advisory_lock');
    const answeredAt: number[] = [];
    const patches = Array.from({ length: 6 }, (_, i) =>
      p
        .request('PATCH', `/v1/audit/sinks/${sink.body.id}`, { token: key, body: { name: `n${i}` } })
        .then((res) => {
          answeredAt[i] = performance.now();
          return res;
        }),
    );
    await waitFor('4 PATCHes waiting on the lock', async () => {
      const { rows } = await locker.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted",
      );
      return rows[0].n === 4;
    });
    await waitFor('the other two answered', async () => answeredAt.filter(Boolean).length === 2);
    const releasedAt = performance.now();
    await lock('pg_advisory_unlock');
    const results = await Promise.all(patches);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 429, 429]);
    results.forEach((r, i) => {
      if (r.status !== 429) return;
      assert.ok(answeredAt[i]! < releasedAt, 'refused while the batch was still in flight');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    });
  });
});

describe('the wait for a pool connection is bounded', () => {
  let p: TestPlatform;
  let locker: pg.Client;

  before(async () => {
    p = await startTestPlatform(
      { DATABASE_POOL_SIZE: '1', DATABASE_POOL_TIMEOUT_MS: '300', AUDIT_ALLOW_PRIVATE_SINK_HOSTS: 'true' },
      { worker: false },
    );
    locker = new pg.Client({ connectionString: p.db.url });
    await locker.connect();
  });
  after(async () => {
    await locker?.end();
    await p?.stop();
  });

  test('a request that finds every connection busy answers 503 with Retry-After instead of waiting', async () => {
    const sink = await p.request('POST', '/v1/audit/sinks?tenantId=t_pool', {
      body: { name: 'busy', type: 'console', workspaceId: 'w_1' },
    });
    assert.equal(sink.status, 201);
    // A batch in flight, as the delivery engine holds it: the PATCH waits on it with the only connection.
    await locker.query(`select pg_advisory_lock(hashtextextended('audit_sink:' || $1::text, 0))`, [
      sink.body.id,
    ]);
    const patch = p.request('PATCH', `/v1/audit/sinks/${sink.body.id}?tenantId=t_pool`, {
      body: { name: 'renamed' },
    });
    await waitFor('the PATCH to wait on the publish lock', async () => {
      const { rows } = await locker.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted",
      );
      return rows[0].n > 0;
    });
    const read = await Promise.race([
      p.request('GET', '/v1/audit/sinks?tenantId=t_pool'),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    await locker.query(`select pg_advisory_unlock(hashtextextended('audit_sink:' || $1::text, 0))`, [
      sink.body.id,
    ]);
    assert.ok(read, 'the request was still waiting for a connection after 5 s');
    assert.equal(read.status, 503);
    assert.match(read.headers.get('content-type') ?? '', /problem\+json/);
    assert.ok(Number(read.headers.get('retry-after')) >= 1);
    assert.equal((await patch).status, 200);
  });
});
