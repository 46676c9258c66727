import pg from 'pg';
import { transactionBegun, transactionEnded } from './after-commit.js';
import { checkout } from './checkout.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

// int8 (bigint) comes back as a string by default; counts and sequences here stay well below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/** connectionTimeoutMs: how long a checkout waits for a free connection (0: forever); then it fails (503). */
export function createPool(connectionString: string, max = 10, connectionTimeoutMs = 0): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'audit-platform',
    connectionTimeoutMillis: connectionTimeoutMs,
  });
  // An idle client losing its connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  // Held across fn (which may await the network): checkout() keeps a lost connection from ending the process.
  const client = await checkout(pool);
  let committed = false;
  try {
    await client.query('begin');
    transactionBegun(pool, client);
    const result = await fn(client);
    await client.query('commit');
    committed = true;
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
    // Work queued with afterCommit() (wake-up signals) runs now that the change is visible.
    transactionEnded(client, committed);
  }
}
