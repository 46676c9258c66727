import type { Context, MiddlewareHandler } from 'hono';
import { requirePermission } from '../auth/scope.js';
import type { Permission } from '../domain/caller.js';
import { ValidationError } from '../domain/errors.js';
import { printable } from '../domain/text.js';
import type { AppEnv } from './env.js';
import { parseJsonBody } from './json-body.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

function isJsonRequest(c: Context): boolean {
  const type = c.req.header('content-type') ?? '';
  return JSON_MEDIA_TYPE.test(type.split(';')[0]!.trim());
}

/** Reads the body once, bounded (json-body.ts), and serves it to the route's validator. */
async function readBoundedJson(c: Context): Promise<void> {
  if (!isJsonRequest(c)) return;
  const value = parseJsonBody(await c.req.text());
  c.req.json = async <T>() => value as T;
}

/**
 * Every /v1 request: no query parameter may carry U+0000 (PostgreSQL text refuses it, so it could
 * never match anything), and a JSON body is only ever parsed through the bounds of json-body.ts.
 * The parse stays lazy here, so a route's `authorizeBody` still runs before the body is read.
 */
export function inputGuards(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (name.includes('\u0000') || values.some((v) => v.includes('\u0000'))) {
        throw new ValidationError('a query parameter contains U+0000', {
          errors: [{ pointer: printable(name), detail: 'must not contain U+0000' }],
        });
      }
    }
    // Safety net for a route without authorizeBody: bounded, but malformed-JSON errors lose their pointer.
    c.req.json = async <T>() => parseJsonBody(await c.req.text()) as T;
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
