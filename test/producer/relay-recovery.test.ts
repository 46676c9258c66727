import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startOutboxRelay } from '../../packages/producer/src/index.js';
import { type ApiProcess, startApiProcess } from '../helpers/api-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  enqueueInTransactions,
  outboxCount,
  quietLogger,
  setUpProducerSchema,
  startApiProxy,
  storedIds,
  waitFor,
} from './outbox-fixtures.js';

let audit: TestDatabase;
let producer: TestDatabase;
let api: ApiProcess;

before(async () => {
  [audit, producer] = await Promise.all([createTestDatabase(), createTestDatabase({ role: 'owner' })]);
  api = await startApiProcess({ databaseUrl: audit.url });
});
after(async () => {
  await api?.close();
  await Promise.all([audit?.drop(), producer?.drop()]);
});

test('the audit API stopped for a while and started again: everything is delivered', async () => {
  const schema = 'outage';
  const tenantId = 't_outage';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const relay = startOutboxRelay({
    pool: producer.pool,
    apiUrl: api.url,
    apiKey,
    schema,
    batchSize: 250,
    pollIntervalMs: 50,
    minBackoffMs: 50,
    maxBackoffMs: 400,
    logger: quietLogger,
  });
  try {
    const before = await enqueueInTransactions(producer.pool, schema, {
      transactions: 10,
      perTransaction: 50,
      rollbackEveryOther: false,
    });
    await waitFor('the first events delivered', async () => (await outboxCount(producer.pool, schema)) === 0);

    await api.stop();
    const during = await enqueueInTransactions(producer.pool, schema, {
      transactions: 20,
      perTransaction: 50,
      rollbackEveryOther: true,
    });
    await waitFor('the relay to notice the outage', async () => relay.stats.consecutiveFailures >= 3);
    const lag = await relay.measureLag();
    assert.equal(lag.pending, 500);
    assert.ok(lag.oldestPendingAgeMs > 0);
    assert.match(relay.stats.lastError ?? '', /ECONNREFUSED|fetch failed/);

    await api.start();
    await waitFor('the backlog delivered', async () => (await outboxCount(producer.pool, schema)) === 0);
    // The outbox empties when the last batch commits; the pass (and the stats) end a claim query later.
    await waitFor('the relay to count the pass', async () => relay.stats.consecutiveFailures === 0);
    assert.deepEqual(
      await storedIds(audit.pool, tenantId),
      [...before.committed, ...during.committed].sort(),
    );
    assert.equal((await relay.measureLag()).pending, 0);
  } finally {
    await relay.stop();
  }
});

const RELAY_CHILD = fileURLToPath(new URL('./relay-child.ts', import.meta.url));

function startRelayChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY_CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay child exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('relay started')) resolve(child);
    });
  });
}

test('the relay killed with SIGKILL after the API stored a batch, then restarted: nothing lost, nothing stored twice', async () => {
  const schema = 'crash';
  const tenantId = 't_crash';
  await setUpProducerSchema(producer.pool, schema);
  const apiKey = await api.createKey({ tenantId, role: 'producer' });
  const { committed } = await enqueueInTransactions(producer.pool, schema, {
    transactions: 30,
    perTransaction: 100,
    rollbackEveryOther: false,
  });

  let relay: ChildProcess | undefined;
  let killedBatch: { accepted: number } | undefined;
  // The stand-in lets the API store the second batch, then kills the relay before it hears the answer:
  // the worst moment, when the events are stored but their outbox rows are not yet removed.
  const proxy = await startApiProxy(api.url, {
    after: async (n, status, body) => {
      if (n !== 2) return;
      assert.equal(status, 202);
      killedBatch = body;
      // On a slow machine the relay may reach its second batch before startRelayChild has resolved.
      const child = await waitFor('the relay child handle', async () => relay);
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  });
  const env = {
    PRODUCER_DATABASE_URL: producer.url,
    AUDIT_API_URL: proxy.url,
    AUDIT_API_KEY: apiKey,
    OUTBOX_SCHEMA: schema,
    RELAY_BATCH_SIZE: '400',
  };
  try {
    relay = await startRelayChild(env);
    await waitFor(
      'the relay killed mid-batch',
      async () => relay!.exitCode !== null || relay!.signalCode !== null,
    );
    assert.equal(relay.signalCode, 'SIGKILL');
    assert.equal(killedBatch?.accepted, 400);
    // Batch 1 was removed; batch 2 (stored by the API) is still in the outbox.
    assert.equal(await outboxCount(producer.pool, schema), 2600);

    relay = await startRelayChild(env);
    await waitFor(
      'the outbox drained after the restart',
      async () => (await outboxCount(producer.pool, schema)) === 0,
    );
    const stopped = once(relay, 'exit');
    relay.kill('SIGTERM');
    await stopped;
  } finally {
    if (relay && relay.exitCode === null && relay.signalCode === null) relay.kill('SIGKILL');
    await proxy.close();
  }

  assert.deepEqual(await storedIds(audit.pool, tenantId), [...committed].sort());
  const afterRestart = proxy.requests.filter((r) => r.n > 2);
  // The killed batch was sent again and recognised by its ids: duplicates, not new events.
  assert.equal(
    afterRestart.reduce((sum, r) => sum + r.body.duplicates, 0),
    400,
  );
  assert.equal(
    afterRestart.reduce((sum, r) => sum + r.body.accepted, 0),
    3000 - 800,
  );
});
