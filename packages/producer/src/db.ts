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
