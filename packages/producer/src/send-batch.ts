import { parseRetryAfter } from './backoff.js';

export interface ApiTarget {
  /** Base URL of the audit API, e.g. `https://audit.example.com`. */
  apiUrl: string;
  /** A `producer` API key. */
  apiKey: string;
  /** Default 30 s. A timed-out request counts as a network error (the batch is resent; ids dedupe it). */
  requestTimeoutMs?: number | undefined;
  /** Default: the global fetch. */
  fetch?: typeof fetch | undefined;
}

export type SendOutcome =
  /** 2xx: stored (or already stored: a resend counts as duplicates). */
  | { kind: 'accepted'; accepted: number; duplicates: number }
  /** An answer about the content (400, 403, 413, 422): bisecting can find the event that causes it. */
  | { kind: 'rejected'; status: number; problem: unknown }
  /** 5xx, 408, 429 or no answer at all: retry the same rows later. */
  | { kind: 'unavailable'; status: number | null; error: string; retryAfterMs: number | null }
  /** Any other 4xx (401, 404, 415…): the relay's configuration is wrong; no event is to blame. */
  | { kind: 'misconfigured'; status: number; error: string };

const CONTENT_STATUSES = new Set([400, 403, 413, 422]);
const TRANSIENT_STATUSES = new Set([408, 425, 429]);

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text.slice(0, 2000);
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object' && 'detail' in body)
    return String((body as { detail: unknown }).detail);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** POSTs `{"events":[…]}` to /v1/audit/events and says what the answer means for the relay. */
export async function sendBatch(target: ApiTarget, events: unknown[]): Promise<SendOutcome> {
  const doFetch = target.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${target.apiUrl.replace(/\/+$/, '')}/v1/audit/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(target.requestTimeoutMs ?? 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const message = err instanceof Error ? err.message : String(err);
    return {
      kind: 'unavailable',
      status: null,
      error: cause ? `${message} (${cause})` : message,
      retryAfterMs: null,
    };
  }
  const body = await readBody(res);
  if (res.ok) {
    const b = (body ?? {}) as { accepted?: unknown; duplicates?: unknown };
    return {
      kind: 'accepted',
      accepted: typeof b.accepted === 'number' ? b.accepted : events.length,
      duplicates: typeof b.duplicates === 'number' ? b.duplicates : 0,
    };
  }
  if (CONTENT_STATUSES.has(res.status)) return { kind: 'rejected', status: res.status, problem: body };
  if (res.status >= 500 || TRANSIENT_STATUSES.has(res.status)) {
    return {
      kind: 'unavailable',
      status: res.status,
      error: `HTTP ${res.status}: ${describe(body)}`,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    };
  }
  return { kind: 'misconfigured', status: res.status, error: `HTTP ${res.status}: ${describe(body)}` };
}
