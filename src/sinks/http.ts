import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { FieldError } from '../domain/errors.js';
import type { HttpSinkConfig } from '../domain/sink.js';
import { SinkDeliveryError, type SinkDriver } from './driver.js';
import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './http-signature.js';
import { blockedReason, PlainHttpRefusedError, type SsrfGuard, SsrfRefusedError } from './ssrf-guard.js';

export const HTTP_DEFAULT_TIMEOUT_MS = 10_000;
export const HTTP_DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
/** A receiver's Retry-After is honoured up to this long; beyond it the usual backoff takes over. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** How much of a receiver's error body ends up in lastError. */
const ERROR_BODY_CHARS = 200;

/** Retry-After as delta-seconds or an HTTP-date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(config: HttpSinkConfig, now: number): string[] {
  if (!config.secret) return [];
  const out = [config.secret];
  if (
    config.previousSecret &&
    config.previousSecret !== config.secret &&
    config.previousSecretExpiresAt &&
    Date.parse(config.previousSecretExpiresAt) > now
  ) {
    out.push(config.previousSecret);
  }
  return out;
}

function readSome(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (text.length < limit) text += chunk;
    });
    res.on('end', () => resolve(text.slice(0, limit)));
    res.on('error', () => resolve(text.slice(0, limit)));
    res.on('aborted', () => resolve(text.slice(0, limit)));
  });
}

function post(
  url: URL,
  options: RequestOptions,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      readSome(res, 4096).then((text) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function createHttpDriver(opts: { guard: SsrfGuard }): SinkDriver<HttpSinkConfig> {
  const { guard } = opts;
  // Keep-alive between batches. A pooled socket was connected through the guarded lookup, so it only
  // ever leads to an address that passed the check.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  function urlProblems(config: HttpSinkConfig): FieldError[] {
    const url = new URL(config.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (url.protocol === 'http:' && !guard.allowPrivate) {
      return [{ pointer: '/url', detail: 'must be https (plain http only for private hosts, when allowed)' }];
    }
    if (url.protocol === 'http:' && isIP(host) !== 0 && !blockedReason(host)) {
      return [
        { pointer: '/url', detail: 'must be https for a public address (plain http only for private hosts)' },
      ];
    }
    const refusal = guard.literalRefusal(host);
    if (refusal) {
      return [
        {
          pointer: '/url',
          detail: `${host} is a ${refusal} address; sinks may not reach it (AUDIT_ALLOW_PRIVATE_SINK_HOSTS)`,
        },
      ];
    }
    return [];
  }

  return {
    type: 'http',
    batchLimits: { maxEvents: 500, maxBytes: 4 * 1024 * 1024 },
    describe: (config) => {
      const url = new URL(config.url);
      return `http ${url.origin}${url.pathname}`;
    },
    warnings: () => [],
    checkConfig: urlProblems,

    prepareUpdate(next, previous, now) {
      const out: HttpSinkConfig = { ...next };
      const overlapMs = (next.secretOverlapSeconds ?? HTTP_DEFAULT_SECRET_OVERLAP_SECONDS) * 1000;
      if (next.secret !== previous.secret) {
        // A new secret: the one it replaces signs alongside it for the overlap (an older one never does).
        delete out.previousSecret;
        delete out.previousSecretExpiresAt;
        if (next.secret && previous.secret && overlapMs > 0) {
          out.previousSecret = previous.secret;
          out.previousSecretExpiresAt = new Date(now.getTime() + overlapMs).toISOString();
        }
      }
      // No secret: nothing is signed, so nothing overlaps. An expired previous secret is dropped.
      const expired =
        !out.previousSecretExpiresAt || Date.parse(out.previousSecretExpiresAt) <= now.getTime();
      if (!out.secret || !out.previousSecret || expired) {
        delete out.previousSecret;
        delete out.previousSecretExpiresAt;
      }
      return out;
    },

    async deliver(batch, config, ctx) {
      const problems = urlProblems(config);
      if (problems.length > 0) throw new SinkDeliveryError(problems[0]!.detail, 'config');
      const url = new URL(config.url);
      const body = Buffer.from(`${batch.lines.join('\n')}\n`, 'utf8');
      const timestamp = Math.floor(Date.now() / 1000);
      const secrets = signingSecrets(config, Date.now());
      const headers: Record<string, string | number> = {
        ...config.headers,
        'content-type': 'application/x-ndjson',
        'content-length': body.length,
        'user-agent': 'audit-platform',
        'idempotency-key': batch.batchId,
      };
      if (secrets.length > 0) {
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signatureHeader(secrets, timestamp, body);
      }
      const timeoutMs = config.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
      const timeout = AbortSignal.timeout(timeoutMs);
      const plain = url.protocol === 'http:';
      let res: Awaited<ReturnType<typeof post>>;
      try {
        res = await post(
          url,
          {
            method: 'POST',
            headers,
            agent: plain ? agents.http : agents.https,
            lookup: plain ? guard.privateOnlyLookup : guard.lookup,
            signal: AbortSignal.any([ctx.signal, timeout]),
          },
          body,
        );
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        if (cause instanceof SsrfRefusedError || cause instanceof PlainHttpRefusedError) {
          throw new SinkDeliveryError(cause.message, 'config', { cause });
        }
        if (err instanceof SsrfRefusedError || err instanceof PlainHttpRefusedError) {
          throw new SinkDeliveryError(err.message, 'config', { cause: err });
        }
        if (timeout.aborted) {
          throw new SinkDeliveryError(`POST ${url.origin}: no answer within ${timeoutMs} ms`, 'retryable');
        }
        const code = (err as NodeJS.ErrnoException).code;
        throw new SinkDeliveryError(
          `POST ${url.origin}: ${code ?? (err as Error).name}: ${(err as Error).message}`,
          'retryable',
          { cause: err },
        );
      }
      const { status } = res;
      if (status >= 200 && status < 300) return { delivered: batch.events.length, requests: 1 };
      const said = res.text.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS);
      const message = `POST ${url.origin}${url.pathname} answered ${status}${said ? `: ${said}` : ''}`;
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfter = res.headers['retry-after'];
        throw new SinkDeliveryError(message, 'retryable', {
          retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
        });
      }
      if (status >= 300 && status < 400) {
        throw new SinkDeliveryError(
          `${message} (redirects are not followed: configure the final URL)`,
          'config',
        );
      }
      throw new SinkDeliveryError(message, 'config');
    },
  };
}
