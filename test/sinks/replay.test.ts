import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import {
  createStream,
  kinesisClient,
  readStream,
  startKinesalite,
  useKinesisEndpoint,
  waitFor,
} from './kinesis-helpers.js';

const TENANT = 't_replay';
let p: TestPlatform;
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let kinesis: ReturnType<typeof kinesisClient>;
let admin: string;
let producer: string;

before(async () => {
  kinesalite = await startKinesalite();
  useKinesisEndpoint(kinesalite.endpoint);
  kinesis = kinesisClient(kinesalite.endpoint);
  p = await startTestPlatform();
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
});
after(async () => {
  await p?.stop();
  await kinesalite?.close();
});

const ingest = (ids: string[]) =>
  p.request('POST', '/v1/audit/events', {
    token: producer,
    body: {
      events: ids.map((id) => ({ id, workspaceId: 'w_r', actorKind: 'system', action: 'replay.test' })),
    },
  });

async function deliveredIds(stream: string): Promise<string[]> {
  return (await readStream(kinesis, stream))
    .map((r) => JSON.parse(r.data))
    .filter((e) => e.action === 'replay.test')
    .map((e) => e.id as string);
}

test('replay from a point in time delivers again everything received since, in ingest order', async () => {
  const streamArn = await createStream(kinesis, 'replay-stream');
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'replayed', type: 'kinesis', workspaceId: 'w_r', config: { streamArn } },
  });
  assert.equal(created.status, 201);
  const sinkId = created.body.id;

  assert.equal((await ingest(['r1', 'r2'])).status, 202);
  await waitFor('the first events', async () => (await deliveredIds('replay-stream')).length === 2);
  await new Promise((r) => setTimeout(r, 50));
  const from = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await ingest(['r3', 'r4'])).status, 202);
  await waitFor('the later events', async () => (await deliveredIds('replay-stream')).length === 4);

  const res = await p.request('POST', `/v1/audit/sinks/${sinkId}/replay`, { token: admin, body: { from } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.rewound, true);
  await waitFor('the replay', async () => (await deliveredIds('replay-stream')).length === 6);
  assert.deepEqual(await deliveredIds('replay-stream'), ['r1', 'r2', 'r3', 'r4', 'r3', 'r4']);

  const audit = await p.request('GET', '/v1/audit/events?workspaceId=w_r&action=audit.sink_replayed', {
    token: admin,
  });
  assert.equal(audit.body.data.length, 1);
  assert.equal(audit.body.data[0].resourceId, sinkId);

  const later = await p.request('POST', `/v1/audit/sinks/${sinkId}/replay`, {
    token: admin,
    body: { from: new Date(Date.now() + 60_000).toISOString() },
  });
  assert.equal(later.status, 202);
  assert.equal(later.body.rewound, false, 'nothing received after a future time');
});

test('replay is for sink managers of the owning tenant only, with a valid time', async () => {
  const streamArn = await createStream(kinesis, 'replay-guarded');
  const created = await p.request('POST', '/v1/audit/sinks', {
    token: admin,
    body: { name: 'guarded', type: 'kinesis', workspaceId: 'w_r', config: { streamArn } },
  });
  const path = `/v1/audit/sinks/${created.body.id}/replay`;
  const from = new Date(0).toISOString();
  const viewer = await p.createKey({ tenantId: TENANT, role: 'viewer' });
  const otherAdmin = await p.createKey({ tenantId: 't_other', role: 'admin' });
  const boundAdmin = await p.createKey({ tenantId: TENANT, role: 'admin', workspaceIds: ['w_elsewhere'] });
  assert.equal((await p.request('POST', path, { token: viewer, body: { from } })).status, 403);
  assert.equal((await p.request('POST', path, { token: otherAdmin, body: { from } })).status, 404);
  assert.equal((await p.request('POST', path, { token: boundAdmin, body: { from } })).status, 403);
  assert.equal((await p.request('POST', path, { token: admin, body: { from: 'last tuesday' } })).status, 400);
  assert.equal(
    (await p.request('POST', '/v1/audit/sinks/nope/replay', { token: admin, body: { from } })).status,
    404,
  );
});
