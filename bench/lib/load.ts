import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * Sends requests (JSON bodies) over keep-alive connections with node:http, which costs the load generator far
 * less CPU than fetch: on two cores every cycle it spends is taken from the server.
 */
export function createPoster(baseUrl: string, token: string, maxSockets: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  function send(method: string, path: string, body?: Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = body.length;
      }
      const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  return {
    post: (path: string, body: Buffer) => send('POST', path, body),
    get: (path: string) => send('GET', path),
    close: () => agent.destroy(),
  };
}

export interface LoopResult {
  /** Units done (events stored), summed over successful operations. */
  units: number;
  operations: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latenciesMs: number[];
}

/** `concurrency` workers each run `op` back to back until the duration is over (a closed loop). */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: () => Promise<number>,
): Promise<LoopResult> {
  const result: LoopResult = { units: 0, operations: 0, errors: 0, elapsedMs: 0, latenciesMs: [] };
  const started = performance.now();
  const end = started + durationMs;
  const workerLoop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        result.units += await op();
        result.operations++;
        result.latenciesMs.push(performance.now() - t0);
      } catch (err) {
        result.errors++;
        result.firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, workerLoop));
  result.elapsedMs = performance.now() - started;
  return result;
}

/**
 * Starts `op` at a steady rate whatever the answers do (an open loop). Latency is measured from the
 * moment each operation was due, so a stall shows up in the figures instead of slowing the load down.
 */
export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  op: () => Promise<number>,
): Promise<LoopResult> {
  const result: LoopResult = { units: 0, operations: 0, errors: 0, elapsedMs: 0, latenciesMs: [] };
  const intervalMs = 1000 / ratePerSecond;
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = op()
      .then((units) => {
        result.units += units;
        result.operations++;
        result.latenciesMs.push(performance.now() - due);
      })
      .catch((err) => {
        result.errors++;
        result.firstError ??= String(err);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - started;
  return result;
}
