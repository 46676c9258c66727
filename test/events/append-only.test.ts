import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let p: TestPlatform;
before(async () => {
  p = await startTestPlatform({}, { worker: false });
  const producer = await p.createKey({ tenantId: 't_ao', role: 'producer' });
  await p.request('POST', '/v1/audit/events', {
    token: producer,
    body: { id: 'immutable', actorKind: 'user', action: 'a.b' },
  });
});
after(() => p.stop());

for (const [name, sql] of [
  ['UPDATE', "update audit_events set action = 'tampered' where id = 'immutable'"],
  ['DELETE', "delete from audit_events where id = 'immutable'"],
  ['TRUNCATE', 'truncate audit_events'],
]) {
  test(`the database refuses ${name} on stored events, even to the tables' owner`, async () => {
    await assert.rejects(p.db.ownerPool.query(sql!), /append-only/);
    const { rows } = await p.db.pool.query("select action from audit_events where id = 'immutable'");
    assert.deepEqual(rows, [{ action: 'a.b' }]);
  });
}

test('each event gets a monotonic ingest sequence and its transaction id', async () => {
  const { rows } = await p.db.pool.query<{ seq: number; txid: string }>(
    "select seq, txid::text from audit_events where tenant_id = 't_ao' order by seq",
  );
  assert.ok(rows.length >= 1);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.seq > rows[i - 1]!.seq);
});
