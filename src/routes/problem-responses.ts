import { z } from '@hono/zod-openapi';
import { PROBLEM_SLUGS, PROBLEM_TYPES, type ProblemSlug } from '../domain/problem-types.js';
import { problemType } from '../http/problem.js';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({
      description: `A URI reference resolving to a page that explains the problem: ${PROBLEM_SLUGS.map((s) => problemType(s)).join(', ')}.`,
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem', {
    example: {
      type: '/problems/validation-error',
      title: 'Invalid request',
      status: 400,
      detail: 'the request body is invalid; nothing was stored',
      instance: '/v1/audit/events',
      errors: [{ pointer: '/events/3/action', detail: 'must not be empty' }],
    },
  });

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input',
  401: 'missing or invalid credentials',
  403: 'not allowed for this caller',
  404: 'not found (also for other tenants’ ids)',
  409: 'conflict',
  413: 'body over the limit',
  415: 'body is not JSON',
  429: 'rate limited; see Retry-After',
  503: 'a dependency is unavailable',
};

/** The problem type each status is illustrated with in the reference. */
const EXAMPLES: Record<number, { slug: ProblemSlug; detail: string }> = {
  400: { slug: 'validation-error', detail: 'the request is invalid' },
  401: { slug: 'unauthorized', detail: 'send Authorization: Bearer <token>' },
  403: { slug: 'forbidden', detail: 'role viewer may not events ingest' },
  404: { slug: 'not-found', detail: 'no sink snk_01JF3ZM2' },
  409: { slug: 'conflict', detail: 'the sink is disabled; enable it to test it' },
  413: { slug: 'payload-too-large', detail: 'the request body exceeds 5242880 bytes' },
  415: { slug: 'unsupported-media-type', detail: 'expected application/json, got text/plain' },
  429: { slug: 'rate-limited', detail: 'rate limit exceeded for this credential' },
  503: { slug: 'dependency-unavailable', detail: 'the database is unavailable; retry shortly' },
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer' as const, minimum: 1, example: 1 },
  },
};

const HEADERS: Record<number, Record<string, { description: string; schema: object }>> = {
  401: {
    'WWW-Authenticate': {
      description: 'The scheme to authenticate with.',
      schema: { type: 'string', example: 'Bearer' },
    },
  },
  429: RETRY_AFTER,
  503: RETRY_AFTER,
};

/** OpenAPI response entries for the listed problem statuses. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => {
      const example = EXAMPLES[s];
      return [
        s,
        {
          description: DESCRIPTIONS[s] ?? 'error',
          ...(HEADERS[s] ? { headers: HEADERS[s] } : {}),
          content: {
            'application/problem+json': {
              schema: ProblemSchema,
              ...(example
                ? {
                    example: {
                      type: problemType(example.slug),
                      title: PROBLEM_TYPES[example.slug].title,
                      status: s,
                      detail: example.detail,
                    },
                  }
                : {}),
            },
          },
        },
      ];
    }),
  );
}
