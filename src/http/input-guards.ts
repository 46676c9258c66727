import type { Context, MiddlewareHandler } from 'hono';
import { requirePermission } from '../auth/scope.js';
import type { Permission } from '../domain/caller.js';
import { PayloadTooLargeError, ValidationError } from '../domain/errors.js';
import { MAX_BODY_BYTES } from '../domain/event.js';
import { printable } from '../domain/text.js';
import type { AppEnv } from './env.js';
import { parseJsonBody } from './json-body.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

function isJsonRequest(c: Context): boolean {
  const type = c.req.header('content-type') ?? '';
  return JSON_MEDIA_TYPE.test(type.split(';')[0]!.trim());
}

function tooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(`the request body exceeds ${MAX_BODY_BYTES} bytes`);
}

/** The body as UTF-8 text, read only now and never past MAX_BODY_BYTES (chunked bodies too). */
async function readBodyText(c: Context): Promise<string> {
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Reads the body once, bounded (json-body.ts), and serves it to the route's validator. */
async function readBoundedJson(c: Context): Promise<void> {
  if (!isJsonRequest(c)) return;
  const value = parseJsonBody(await readBodyText(c));
  c.req.json = async <T>() => value as T;
}

/**
 * Every /v1 request, before authentication, without reading the body: a declared length over the
 * limit is a 413; no query parameter may carry U+0000 (PostgreSQL text refuses it, so it could never
 * match anything). The body itself is read only by a route's `authorizeBody`, once the caller is known
 * to be allowed there; for a route without it the parse stays lazy and bounded all the same.
 */
export function inputGuards(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > MAX_BODY_BYTES) throw tooLarge();
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (name.includes('\u0000') || values.some((v) => v.includes('\u0000'))) {
        throw new ValidationError('a query parameter contains U+0000', {
          errors: [{ pointer: printable(name), detail: 'must not contain U+0000' }],
        });
      }
    }
    // Safety net for a route without authorizeBody (its malformed-JSON errors lose their pointer).
    let parsed: Promise<unknown> | undefined;
    c.req.json = <T>() => {
      parsed ??= readBodyText(c).then(parseJsonBody);
      return parsed as Promise<T>;
    };
    await next();
  };
}

/**
 * Route middleware for every route with a body: the caller's role must allow the route before a
 * byte of the body is read (authentication already ran); then the body is read and parsed once,
 * within bounds, and a violation answers 400 naming the field.
 */
export function authorizeBody(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    requirePermission(c.get('caller'), permission);
    await readBoundedJson(c);
    await next();
  };
}
