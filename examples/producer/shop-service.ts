/**
 * A tiny producer service: it changes a business row and enqueues the audit event in the same
 * transaction, then lets the outbox relay ship the event to the running audit platform.
 *
 *   AUDIT_API_KEY=<producer key> npx tsx --conditions=@audit-platform/source examples/producer/shop-service.ts
 *
 * Environment: AUDIT_API_URL (default http://localhost:3000), AUDIT_API_KEY (a `producer` key),
 * PRODUCER_DATABASE_URL (the shop's own PostgreSQL; default: an embedded one under ./.data/example-shop).
 */
import { enqueue, migrate, startOutboxRelay } from '@audit-platform/producer';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';

const apiUrl = process.env.AUDIT_API_URL ?? 'http://localhost:3000';
const apiKey = process.env.AUDIT_API_KEY;
if (!apiKey) {
  console.error('Set AUDIT_API_KEY to a producer key (see examples/producer/README.md).');
  process.exit(2);
}

const embedded = process.env.PRODUCER_DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres('.data/example-shop', 'shop');
const pool = new pg.Pool({ connectionString: process.env.PRODUCER_DATABASE_URL ?? embedded!.url, max: 4 });
// An idle connection dropped by the server must not crash the service; the pool reconnects.
pool.on('error', () => {});

await migrate(pool);
await pool.query(
  'create table if not exists subscriptions (account_id text primary key, plan text not null)',
);

/** The business operation: change the plan and record who did it, atomically. */
async function changePlan(accountId: string, plan: string, userId: string, fail = false): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ plan: string | null }>(
      'select plan from subscriptions where account_id = $1::text for update',
      [accountId],
    );
    await client.query(
      `insert into subscriptions (account_id, plan) values ($1::text, $2::text)
       on conflict (account_id) do update set plan = excluded.plan`,
      [accountId, plan],
    );
    const [eventId] = await enqueue(client, {
      actorKind: 'user',
      actorUserId: userId,
      action: 'billing.plan_changed',
      resourceType: 'subscription',
      resourceId: accountId,
      metadata: { from: rows[0]?.plan ?? null, to: plan },
    });
    if (fail) throw new Error('payment provider declined');
    await client.query('commit');
    return eventId!;
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
}

const relay = startOutboxRelay({ pool, apiUrl, apiKey, pollIntervalMs: 500 });

const committed = await changePlan('acct_42', 'pro', 'u_alice');
console.log(`plan changed; audit event ${committed} is in the outbox`);
await changePlan('acct_42', 'enterprise', 'u_alice', true).catch((err: Error) =>
  console.log(`plan change rolled back (${err.message}); its audit event went with it`),
);
relay.wake();

// Wait until the relay has shipped everything (or give up after 30 s), then stop gracefully.
const deadline = Date.now() + 30_000;
while ((await relay.measureLag()).pending > 0 && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 250));
const { pending } = await relay.measureLag();
await relay.stop();
await pool.end();
await embedded?.stop();
console.log(
  pending === 0
    ? `delivered: ${relay.stats.accepted} new, ${relay.stats.duplicates} duplicates, ${relay.stats.deadLettered} dead-lettered`
    : `still ${pending} events in the outbox (last error: ${relay.stats.lastError}); they will go out on the next run`,
);
