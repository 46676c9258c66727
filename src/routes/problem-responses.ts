import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem');

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

/** OpenAPI response entries for the listed problem statuses. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: DESCRIPTIONS[s] ?? 'error',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );
}
