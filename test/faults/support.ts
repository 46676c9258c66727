import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Pool } from '../../src/db/pool.js';
import { sinkStatusQuery } from '../../workflows/definitions.js';
import { waitFor } from '../helpers/wait.js';

/**
 * An HTTP endpoint that holds the requests `hold` picks until release() (to keep a caller waiting on
 * the network at a chosen moment), answers the others at once, and records every body.
 */
export interface HoldingServer {
  url: string;
  /** Every request body, in arrival order (held ones on arrival). */
  bodies: string[];
  /** Requests held right now. */
  held(): number;
  /** Answers every held request (and stops holding new ones unless hold is set again). */
  release(): void;
  hold: (body: string, path: string) => boolean;
  /** The answer to each request (default 200 "ok"). */
  answer: (body: string, path: string) => { status: number; body: string };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startHoldingServer(): Promise<HoldingServer> {
  const waiting: Array<() => void> = [];
  const s: HoldingServer = {
    url: '',
    bodies: [],
    held: () => waiting.length,
    release() {
      s.hold = () => false;
      for (const go of waiting.splice(0)) go();
    },
    hold: () => false,
    answer: () => ({ status: 200, body: 'ok' }),
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    s.bodies.push(body);
    if (s.hold(body, req.url ?? '')) await new Promise<void>((resolve) => waiting.push(resolve));
    const a = s.answer(body, req.url ?? '');
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () =>
    new Promise<void>((resolve) => {
      s.release();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return s;
}

/**
 * pg_terminate_backend on every other session of the database `pool` is connected to (as an operator,
 * a failover or a crashed server would end them); answers how many were ended.
 */
export async function terminateOtherSessions(pool: Pool, database?: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from (
       select pg_terminate_backend(pid) from pg_stat_activity
       where datname = coalesce($1::text, current_database()) and pid <> pg_backend_pid()
     ) t`,
    [database ?? null],
  );
  return rows[0]!.n;
}

/** The events (one JSON object per line) of NDJSON bodies, in order. */
export function eventsOf(bodies: string[]): Array<Record<string, unknown>> {
  return bodies.flatMap((b) =>
    b
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

/** Waits until the sink's workflow sleeps between activities (only a signal or its timer wakes it). */
export async function waitUntilIdle(client: Client, workflowId: string): Promise<void> {
  await waitFor(
    `${workflowId} idle`,
    async () => (await client.workflow.getHandle(workflowId).query(sinkStatusQuery)).state === 'idle',
    60_000,
    200,
  );
}
