/**
 * Whether an error means the database cannot be reached right now (down, restarting, the connection
 * lost, the pool exhausted), as opposed to a statement that failed: the API answers 503, the delivery
 * activity waits for the database instead of failing.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === '57P01' || // admin_shutdown
    code === '57P02' || // crash_shutdown
    code === '57P03' || // cannot_connect_now
    code === '53300' || // too_many_connections
    code?.startsWith('08') === true || // connection_exception
    (err instanceof Error &&
      /timeout exceeded when trying to connect|Connection terminated|not queryable/i.test(err.message))
  );
}
