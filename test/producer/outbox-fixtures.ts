import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuditEventInput, enqueue, migrate } from '../../packages/producer/src/index.js';
import type { Pool } from '../../src/db/pool.js';
import { waitFor as pollUntil } from '../helpers/wait.js';

/** A business table next to the outbox, so the tests change "business rows" in the same transactions. */
export async function setUpProducerSchema(pool: Pool, schema: string): Promise<void> {
  await migrate(pool, { schema });
  await pool.query(`create table if not exists ${schema}.orders (id int primary key, status text not null)`);
}

export function orderEvent(orderId: number, n: number): AuditEventInput {
  return {
    actorKind: 'user',
    actorUserId: `u_${orderId % 7}`,
    action: 'shop.order_updated',
    resourceType: 'order',
    resourceId: `o_${orderId}`,
    metadata: { n },
  };
}

/**
 * `transactions` transactions of `perTransaction` events, each updating a business row; every other one
 * rolls back. Returns the ids of the committed events only.
 */
export async function enqueueInTransactions(
  pool: Pool,
  schema: string,
  opts: { transactions: number; perTransaction: number; rollbackEveryOther: boolean; concurrency?: number },
): Promise<{ committed: string[]; rolledBack: string[] }> {
  const committed: string[] = [];
  const rolledBack: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < opts.transactions) {
      const t = next++;
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(
          `insert into ${schema}.orders (id, status) values ($1::int, 'placed')
           on conflict (id) do update set status = 'updated'`,
          [t],
        );
        const events = Array.from({ length: opts.perTransaction }, (_, i) => orderEvent(t, i));
        const ids = await enqueue(client, events, { schema });
        if (opts.rollbackEveryOther && t % 2 === 1) {
          await client.query('rollback');
          rolledBack.push(...ids);
        } else {
          await client.query('commit');
          committed.push(...ids);
        }
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  return { committed, rolledBack };
}

/** The ids of the tenant's stored events, leaving out the platform's own (`audit.*`, e.g. a key created). */
export async function storedIds(auditPool: Pool, tenantId: string): Promise<string[]> {
  const { rows } = await auditPool.query<{ id: string }>(
    `select id from audit_events where tenant_id = $1::text and action not like 'audit.%' order by id`,
    [tenantId],
  );
  return rows.map((r) => r.id);
}

export async function outboxCount(pool: Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${schema}.audit_outbox`);
  return rows[0]!.n;
}

/** The shared poller with a longer default deadline: these tests restart API processes. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 45_000) {
  return pollUntil(what, check, timeoutMs);
}

export interface ProxiedRequest {
  n: number;
  at: number;
  status: number;
  body: any;
}

export interface ApiProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * A plain HTTP stand-in in front of the real API: `before` may answer a request itself (an outage, a
 * 429); `after` runs once the API has answered, before the relay gets the answer (to kill it then).
 */
export async function startApiProxy(
  upstream: string,
  hooks: {
    before?: (n: number) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
    after?: (n: number, status: number, body: any) => Promise<void>;
  } = {},
): Promise<ApiProxy> {
  const requests: ProxiedRequest[] = [];
  let count = 0;
  const server: Server = createServer(async (req, res) => {
    const n = ++count;
    const at = Date.now();
    try {
      const body = await readBody(req);
      const own = hooks.before?.(n);
      if (own) {
        requests.push({ n, at, status: own.status, body: own.body ?? null });
        res.writeHead(own.status, own.headers).end(own.body ?? '');
        return;
      }
      const upstreamRes = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers: {
          authorization: String(req.headers.authorization ?? ''),
          'content-type': String(req.headers['content-type'] ?? 'application/json'),
        },
        body: req.method === 'GET' ? undefined : body,
      });
      const text = await upstreamRes.text();
      const parsed = text ? JSON.parse(text) : null;
      requests.push({ n, at, status: upstreamRes.status, body: parsed });
      await hooks.after?.(n, upstreamRes.status, parsed);
      res.writeHead(upstreamRes.status, { 'content-type': 'application/json' }).end(text);
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Relays in tests log nothing (set TEST_LOG_LEVEL=debug to see their lines on stderr). */
export const quietLogger = {
  info: (obj: object, msg: string) => debugLine('info', obj, msg),
  warn: (obj: object, msg: string) => debugLine('warn', obj, msg),
  error: (obj: object, msg: string) => debugLine('error', obj, msg),
};

function debugLine(level: string, obj: object, msg: string) {
  if (process.env.TEST_LOG_LEVEL === 'debug')
    process.stderr.write(`[relay ${level}] ${msg} ${JSON.stringify(obj)}\n`);
}
