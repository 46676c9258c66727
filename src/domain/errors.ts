import type { ProblemSlug } from './problem-types.js';

/**
 * Typed errors, each mapped once to an RFC 9457 problem document by http/problem.ts.
 * Safe to import from anywhere (no I/O, no Node-only APIs).
 */
export interface FieldError {
  /** JSON pointer (RFC 6901) into the request body or a query parameter name. */
  pointer: string;
  detail: string;
}

export abstract class ProblemError extends Error {
  abstract readonly status: number;
  abstract readonly slug: ProblemSlug;
  abstract readonly title: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(detail: string, options?: { errors?: FieldError[]; headers?: Record<string, string> }) {
    super(detail);
    this.name = new.target.name;
    this.errors = options?.errors;
    this.headers = options?.headers;
  }
}

export class ValidationError extends ProblemError {
  readonly status = 400;
  readonly slug = 'validation-error';
  readonly title = 'Invalid request';
}

/** The body could not be parsed at all (not JSON); `validation-error` is for JSON that breaks a rule. */
export class MalformedRequestError extends ProblemError {
  readonly status = 400;
  readonly slug = 'malformed-request';
  readonly title = 'Malformed request';
}

export class UnauthorizedError extends ProblemError {
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'Missing or invalid credentials';
  override readonly headers = { 'WWW-Authenticate': 'Bearer' };
}

export class ForbiddenError extends ProblemError {
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends ProblemError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends ProblemError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Conflict';
}

export class PayloadTooLargeError extends ProblemError {
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'Request body too large';
}

export class UnsupportedMediaTypeError extends ProblemError {
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class RateLimitedError extends ProblemError {
  readonly status = 429;
  readonly slug = 'rate-limited';
  readonly title = 'Too many requests';
  constructor(detail: string, retryAfterSeconds: number) {
    super(detail, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }
}

export class DependencyUnavailableError extends ProblemError {
  readonly status = 503;
  readonly slug = 'dependency-unavailable';
  readonly title = 'A dependency is unavailable';
  override readonly headers = { 'Retry-After': '5' };
}
