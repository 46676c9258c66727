import type pg from 'pg';

/**
 * Work that must wait until a change is visible to everyone: a wake-up signal sent before the commit
 * would find nothing new. withTransaction (pool.ts) tracks its client here; afterCommit() queues work on
 * it, which runs once the transaction commits and is dropped if it rolls back. A statement on the pool
 * itself commits on its own, so work queued there runs at once.
 */
interface OpenTransaction {
  pool: pg.Pool;
  onCommit: Array<() => void>;
}

const open = new WeakMap<object, OpenTransaction>();

/** withTransaction's side: the client runs a transaction of `pool` from now on. */
export function transactionBegun(pool: pg.Pool, client: pg.PoolClient): void {
  open.set(client, { pool, onCommit: [] });
}

/** withTransaction's side: the transaction ended; runs the queued work if it committed. */
export function transactionEnded(client: pg.PoolClient, committed: boolean): void {
  const tx = open.get(client);
  open.delete(client);
  if (!committed || !tx) return;
  for (const fn of tx.onCommit) fn();
}

/** The pool a query runs on: the pool itself, or the pool of the transaction the client is in. */
export function poolOf(db: object): pg.Pool | undefined {
  return open.get(db)?.pool ?? (isPool(db) ? db : undefined);
}

/** Runs fn after the transaction `db` is in commits (at once for the pool: its statements autocommit). */
export function afterCommit(db: object, fn: () => void): void {
  const tx = open.get(db);
  if (tx) tx.onCommit.push(fn);
  else fn();
}

function isPool(db: object): db is pg.Pool {
  return typeof (db as pg.Pool).connect === 'function' && 'totalCount' in db;
}
