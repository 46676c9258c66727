/**
 * What the library needs from the producer's database driver, declared structurally: a `pg.Pool`,
 * `pg.Client` and `pg.PoolClient` fit as they are, and the types work without `@types/pg`.
 */
export interface QueryResultLike {
  rows: unknown[];
  rowCount?: number | null;
}

/** Anything with pg's `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<QueryResultLike>;
}

/** A client inside the caller's open transaction (pg.Client or a checked-out pg.PoolClient). */
export type TransactionClient = Queryable;

export interface PoolClientLike extends Queryable {
  /** An error (or true) destroys the connection instead of returning it to the pool. */
  release(err?: Error | boolean): void;
  /** pg's client is an EventEmitter: a lost connection emits 'error'. */
  on?(event: 'error', listener: (err: Error) => void): unknown;
  removeListener?(event: 'error', listener: (err: Error) => void): unknown;
}

/** The producer's connection pool (a `pg.Pool`). */
export interface PoolLike extends Queryable {
  connect(): Promise<PoolClientLike>;
}

/** Runs a query and types its rows (the driver returns them untyped). */
export async function queryRows<R>(db: Queryable, text: string, values?: unknown[]): Promise<R[]> {
  const result = await db.query(text, values);
  return result.rows as R[];
}

/**
 * A client checked out of the producer's pool that handles its connection's errors for as long as it
 * is held. pg's pool listens for the errors of idle clients only: a held client whose connection dies
 * (a restart, a failover, `pg_terminate_backend`) while no query of it runs emits an 'error' event
 * nobody listens to, and Node ends the host's process. Here the error is kept (the client's next query
 * fails), and release() hands it to the pool, which closes the connection instead of reusing it.
 */
export async function checkout(pool: PoolLike): Promise<PoolClientLike> {
  const client = await pool.connect();
  let failure: Error | undefined;
  const onError = (err: Error) => {
    failure ??= err;
  };
  client.on?.('error', onError);
  const release = client.release;
  client.release = (err?: Error | boolean) => {
    client.removeListener?.('error', onError);
    release.call(client, err || failure);
  };
  return client;
}
