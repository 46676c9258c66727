/**
 * Every problem type the API can answer with (RFC 9457 `type` is `/problems/<slug>`), and what each
 * means for a caller. `problemJson` and `ProblemError.slug` accept only these slugs, so a new kind of
 * error cannot ship without its explanation page (served by routes/problems/page.ts).
 * Pure data: safe to import from anywhere.
 */
export interface ProblemTypeInfo {
  status: number;
  title: string;
  /** What happened, in a caller's terms. */
  description: string;
  /** What to do about it. */
  remedy: string;
}

export const PROBLEM_TYPES = {
  'validation-error': {
    status: 400,
    title: 'Invalid request',
    description:
      'The body, a query parameter or a path parameter does not match the operation’s schema. `errors` lists each offending field as a JSON pointer into the body (`/events/3/action`) or the parameter’s name, with the reason. A batch is atomic: nothing of it was stored.',
    remedy: 'Fix the listed fields and send the request again. The API reference (/docs) shows every schema.',
  },
  'malformed-request': {
    status: 400,
    title: 'Malformed request',
    description: 'The request could not be parsed at all, for example a body that is not valid JSON.',
    remedy: 'Send well-formed JSON with `Content-Type: application/json`.',
  },
  unauthorized: {
    status: 401,
    title: 'Missing or invalid credentials',
    description:
      'The request carried no `Authorization: Bearer <token>` header, or the token is unknown, revoked, expired or badly signed.',
    remedy:
      'Send a valid API key (`ak_…`), the platform admin token, or a JWT the platform is configured to accept.',
  },
  forbidden: {
    status: 403,
    title: 'Not allowed',
    description:
      'The credentials are valid but their role or workspace scope does not allow this operation (for example a producer key reading events, or a key scoped to other workspaces).',
    remedy: 'Use a key whose role and workspaces cover the operation, or ask a tenant admin for one.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description:
      'No route matches the method and path, or the resource does not exist for your tenant. Ids of other tenants are answered exactly like ids that never existed.',
    remedy: 'Check the path and the id; list the collection to see what exists.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description:
      'The resource is not in a state that allows the operation, for example testing a sink that is disabled.',
    remedy: 'Read the resource, change its state (`detail` says how), then retry.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Request body too large',
    description: 'The request body is over the size limit (see `detail` for the limit in bytes).',
    remedy: 'Split the batch into smaller requests.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'The request body is not declared as JSON.',
    remedy: 'Send `Content-Type: application/json`.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description: 'This credential sent more requests per second than the platform allows it.',
    remedy:
      'Wait the number of seconds given by the `Retry-After` header, then retry; batch events to send fewer requests.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal error',
    description: 'An unexpected error occurred. It has been logged with the request id.',
    remedy: 'Retry; if it persists, report the `x-request-id` response header to the operators.',
  },
  'dependency-unavailable': {
    status: 503,
    title: 'A dependency is unavailable',
    description: 'The database or Temporal could not be reached. Nothing was changed by this request.',
    remedy: 'Retry after the number of seconds given by the `Retry-After` header.',
  },
  'request-failed': {
    status: 400,
    title: 'Request failed',
    description:
      'The HTTP layer refused the request for a reason no other type covers; `status` and `detail` say which.',
    remedy: 'Read `detail`, correct the request and send it again.',
  },
} as const satisfies Record<string, ProblemTypeInfo>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const PROBLEM_SLUGS = Object.keys(PROBLEM_TYPES) as ProblemSlug[];

export function isProblemSlug(value: string): value is ProblemSlug {
  return Object.hasOwn(PROBLEM_TYPES, value);
}
