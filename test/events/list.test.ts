import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let p: TestPlatform;
let producer: string;
let reader: string;

function event(i: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `e${String(i).padStart(5, '0')}`,
    workspaceId: 'w_q',
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    actorKind: i % 3 === 0 ? 'system' : 'user',
    actorUserId: i % 3 === 0 ? null : `u_${i % 5}`,
    actorApiKeyId: i % 7 === 0 ? 'k_7' : null,
    action: i % 2 === 0 ? 'discovery.run_started' : 'connection_created',
    resourceType: i % 4 === 0 ? 'connection' : 'run',
    resourceId: `r_${i % 10}`,
    ...overrides,
  };
}

async function list(qs: string, token = reader) {
  const res = await p.request('GET', `/v1/audit/events?${qs}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { data: any[]; nextCursor: string | null };
}

async function all(qs: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const page = await list(`${qs}&limit=37${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const N = 300;
before(async () => {
  p = await startTestPlatform();
  producer = await p.createKey({ tenantId: 't_q', role: 'producer' });
  reader = await p.createKey({ tenantId: 't_q', role: 'viewer', workspaceIds: ['w_q', 'w_other'] });
  const events = Array.from({ length: N }, (_, i) => event(i));
  // Two identical timestamps: order falls back to id.
  events.push(event(10_000, { occurredAt: events[5]!.occurredAt, id: 'e_tie' }));
  const res = await p.request('POST', '/v1/audit/events', { token: producer, body: { events } });
  assert.equal(res.status, 202);
});
after(() => p.stop());

describe('GET /v1/audit/events', () => {
  test('newest first by occurredAt, then id, and paging visits every event once', async () => {
    const events = await all('workspaceId=w_q');
    assert.equal(events.length, N + 1);
    for (let i = 1; i < events.length; i++) {
      const a = events[i - 1];
      const b = events[i];
      assert.ok(
        a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.id > b.id),
        `${a.id} before ${b.id}`,
      );
    }
    assert.equal(new Set(events.map((e) => e.id)).size, N + 1);
  });

  test('default limit is 50 and limit caps the page', async () => {
    assert.equal((await list('workspaceId=w_q')).data.length, 50);
    assert.equal((await list('workspaceId=w_q&limit=3')).data.length, 3);
    assert.equal((await list('workspaceId=w_q&limit=500')).data.length, N + 1);
    assert.equal((await list('workspaceId=w_q&limit=500')).nextCursor, null);
  });

  const filters: Array<[string, (e: any) => boolean]> = [
    ['action=connection_created', (e) => e.action === 'connection_created'],
    ['action=discovery.*', (e) => e.action.startsWith('discovery.')],
    ['actorKind=system', (e) => e.actorKind === 'system'],
    ['actorUserId=u_2', (e) => e.actorUserId === 'u_2'],
    ['actorApiKeyId=k_7', (e) => e.actorApiKeyId === 'k_7'],
    ['resourceType=connection', (e) => e.resourceType === 'connection'],
    ['resourceType=run&resourceId=r_3', (e) => e.resourceType === 'run' && e.resourceId === 'r_3'],
    [
      'from=2026-01-01T01:00:00Z&to=2026-01-01T02:00:00.000Z',
      (e) => e.occurredAt >= '2026-01-01T01:00:00.000Z' && e.occurredAt < '2026-01-01T02:00:00.000Z',
    ],
    [
      'action=connection_created&actorKind=user&from=2026-01-01T03:00:00%2B02:00',
      (e) =>
        e.action === 'connection_created' &&
        e.actorKind === 'user' &&
        e.occurredAt >= '2026-01-01T01:00:00.000Z',
    ],
  ];
  for (const [qs, predicate] of filters) {
    test(`filter ${qs}`, async () => {
      const expected = (await all('workspaceId=w_q')).filter(predicate).map((e) => e.id);
      const got = (await all(`workspaceId=w_q&${qs}`)).map((e) => e.id);
      assert.ok(expected.length > 0, 'the fixture covers this filter');
      assert.deepEqual(got, expected);
    });
  }

  test('from is inclusive and to exclusive', async () => {
    const at = event(42).occurredAt;
    const got = await list(`workspaceId=w_q&from=${at}&to=${at}`);
    assert.equal(got.data.length, 0);
    const one = await list(`workspaceId=w_q&from=${at}&to=${new Date(Date.parse(at) + 1).toISOString()}`);
    assert.deepEqual(
      one.data.map((e) => e.id),
      ['e00042'],
    );
  });

  test('a prefix filter treats LIKE wildcards literally', async () => {
    await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { workspaceId: 'w_q', actorKind: 'user', action: 'discoveryXrun' },
    });
    const got = await all('workspaceId=w_q&action=disc_very.*');
    assert.equal(got.length, 0);
  });

  test('paging never repeats or skips while new events arrive', async () => {
    await p.request('POST', '/v1/audit/events', {
      token: producer,
      body: { events: Array.from({ length: 400 }, (_, i) => event(20_000 + i, { workspaceId: 'w_live' })) },
    });
    const liveReader = await p.createKey({ tenantId: 't_q', role: 'viewer', workspaceIds: ['w_live'] });
    let writing = true;
    let inserted = 0;
    const writer = (async () => {
      // New events land both before (older occurredAt) and after (newer) the pages being read.
      while (writing) {
        const batch = Array.from({ length: 20 }, (_, i) =>
          event(30_000 + inserted + i, {
            workspaceId: 'w_live',
            occurredAt: new Date(
              Date.UTC(2026, 0, 1) + (inserted % 2 ? -1 : 1) * (inserted + i) * 1000 + 400 * 60_000,
            ).toISOString(),
          }),
        );
        inserted += 20;
        await p.request('POST', '/v1/audit/events', { token: producer, body: { events: batch } });
      }
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { data: any[]; nextCursor: string | null } } = await p.request(
        'GET',
        `/v1/audit/events?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token: liveReader,
        },
      );
      seen.push(...res.body.data.map((e: any) => e.id));
      cursor = res.body.nextCursor;
      await new Promise((r) => setTimeout(r, 5));
    } while (cursor);
    writing = false;
    await writer;
    assert.ok(inserted > 0, 'events were written while paging');
    assert.equal(new Set(seen).size, seen.length, 'no event repeated');
    const original = Array.from({ length: 400 }, (_, i) => `e${20_000 + i}`);
    for (const id of original)
      assert.ok(seen.includes(id), `${id} (present before paging began) was not skipped`);
  });
});
