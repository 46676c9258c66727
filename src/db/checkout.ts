import type pg from 'pg';

/**
 * A client checked out of a pool, which handles its connection's errors for as long as it is held.
 *
 * The pool listens for the errors of idle clients only: a checked-out client whose connection dies
 * (the server restarts, `pg_terminate_backend`, a network reset) while no query of it is running emits
 * an 'error' event nobody listens to, and Node ends the process. Every checkout goes through here
 * instead: the error is kept, the next query on the client fails (pg marks it unusable), and release()
 * gives the pool the error, so the dead connection is closed rather than handed out again.
 *
 * No side effects on import (the producer library uses it inside its host's process).
 */
export interface HeldClient extends pg.PoolClient {
  /** The connection error seen while the client was held, if any. */
  readonly connectionError: Error | undefined;
}

export async function checkout(pool: pg.Pool): Promise<HeldClient> {
  const client = (await pool.connect()) as HeldClient;
  let failure: Error | undefined;
  const onError = (err: Error) => {
    failure ??= err;
  };
  client.on('error', onError);
  const release = client.release;
  Object.defineProperty(client, 'connectionError', { get: () => failure, configurable: true });
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', onError);
    // The pool's own idle listener takes over from here (it is attached before any further event).
    return release.call(client, err || failure);
  };
  return client;
}
