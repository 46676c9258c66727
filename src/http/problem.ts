import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { type FieldError, ProblemError } from '../domain/errors.js';
import type { ProblemSlug } from '../domain/problem-types.js';
import type { Logger } from '../logger.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** A relative reference: it resolves against the API's own origin, which serves the page. */
export function problemType(slug: ProblemSlug): string {
  return `/problems/${slug}`;
}

export function problemJson(
  c: Context,
  status: number,
  slug: ProblemSlug,
  title: string,
  detail: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const body: Problem = { type: problemType(slug), title, status, detail, instance: c.req.path };
  if (extra.errors) body.errors = extra.errors;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...extra.headers },
  });
}

/** zod issues → RFC 6901 pointers. `base` is "" for bodies and "query"/"param" location markers otherwise. */
export function zodFieldErrors(error: ZodError, location: 'body' | 'query' | 'param' = 'body'): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const pointer = location === 'body' ? `/${path.join('/')}` : path.join('.') || location;
    return { pointer, detail: issue.message };
  });
}

/** Logged when PostgreSQL refuses a value (SQLSTATE class 22): validation let bad input through. */
export const VALIDATION_BUG_MESSAGE =
  'validation bug: the database refused a value of the request (SQLSTATE class 22)';

/** The detail of that answer: the client sent bad input, but no validation rule named the field. */
export const DATA_EXCEPTION_DETAIL =
  'a value of this request cannot be stored or compared (for example U+0000 or an out-of-range date)';

/** A PostgreSQL data exception (class 22: invalid text, out-of-range values, U+0000…). */
function isDataException(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) && e.severity !== undefined;
}

/** The single place where an error becomes an HTTP answer. Never leaks a stack trace. */
export function createErrorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ProblemError) {
      return problemJson(c, err.status, err.slug, err.title, err.message, {
        errors: err.errors,
        headers: err.headers,
      });
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 413) {
        return problemJson(c, 413, 'payload-too-large', 'Request body too large', err.message);
      }
      const slug = status === 400 ? 'malformed-request' : 'request-failed';
      return problemJson(
        c,
        status,
        slug,
        status === 400 ? 'Malformed request' : 'Request failed',
        err.message || 'request failed',
      );
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn({ err }, 'database unavailable');
      return problemJson(
        c,
        503,
        'dependency-unavailable',
        'A dependency is unavailable',
        'the database is unavailable; retry shortly',
        {
          headers: { 'Retry-After': '5' },
        },
      );
    }
    if (isDataException(err)) {
      // Validation should have refused this input before it reached the database: a bug to fix.
      logger.error(
        { err, sqlstate: (err as Error & { code?: string }).code, path: c.req.path, method: c.req.method },
        VALIDATION_BUG_MESSAGE,
      );
      return problemJson(c, 400, 'validation-error', 'Invalid request', DATA_EXCEPTION_DETAIL);
    }
    logger.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return problemJson(
      c,
      500 as ContentfulStatusCode,
      'internal-error',
      'Internal error',
      'an unexpected error occurred; it has been logged',
    );
  };
}
