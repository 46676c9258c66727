import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { isProblemSlug, PROBLEM_TYPES, type ProblemTypeInfo } from '../../domain/problem-types.js';
import type { AppEnv } from '../../http/env.js';
import { escapeHtml, htmlPage, PAGE_SECURITY_HEADERS } from '../../http/page-security.js';
import { problemJson } from '../../http/problem.js';
import { problemResponses } from '../problem-responses.js';

/**
 * What a problem document's `type` (`/problems/<slug>`) resolves to: a page explaining the problem
 * and what to do about it, as HTML for people or as JSON (`Accept: application/json`) for programs.
 */
const ProblemTypeDoc = z
  .object({
    type: z.string().openapi({ example: '/problems/rate-limited' }),
    status: z.number().int().openapi({ example: 429 }),
    title: z.string().openapi({ example: 'Too many requests' }),
    description: z.string().openapi({
      example: 'This credential sent more requests per second than the platform allows it.',
    }),
    remedy: z.string().openapi({
      example: 'Wait the number of seconds given by the `Retry-After` header, then retry.',
    }),
  })
  .openapi('ProblemType', {
    example: {
      type: '/problems/rate-limited',
      status: 429,
      title: 'Too many requests',
      description: 'This credential sent more requests per second than the platform allows it.',
      remedy: 'Wait the number of seconds given by the `Retry-After` header, then retry.',
    },
  });

const route = createRoute({
  method: 'get',
  path: '/problems/{slug}',
  operationId: 'getProblemType',
  tags: ['operations'],
  summary: 'Explain a problem type (the `type` of an error answer)',
  security: [],
  request: {
    params: z.object({
      slug: z.string().openapi({ param: { name: 'slug', in: 'path' }, example: 'rate-limited' }),
    }),
  },
  responses: {
    200: {
      description: 'the explanation: HTML, or JSON when the request accepts application/json only',
      content: {
        'text/html': { schema: z.string().openapi({ example: '<!doctype html>…' }) },
        'application/json': { schema: ProblemTypeDoc },
      },
    },
    ...problemResponses(404),
  },
});

function withCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function page(slug: string, info: ProblemTypeInfo): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} — audit platform problem type</title>
<link rel="stylesheet" href="../docs/page.css">
</head>
<body>
<main class="problem">
<p class="status">Problem type <code>/problems/${escapeHtml(slug)}</code> · HTTP ${info.status}</p>
<h1>${escapeHtml(info.title)}</h1>
<p>${withCode(info.description)}</p>
<h2>What to do</h2>
<p>${withCode(info.remedy)}</p>
<p>Every error answer is an RFC 9457 <code>application/problem+json</code> document; its
<code>detail</code> says what went wrong with this request. <a href="../docs">API reference</a></p>
</main>
</body>
</html>
`;
}

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /application\/(problem\+)?json/.test(accept) && !/text\/html/.test(accept);
}

export function registerProblemPages(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const { slug } = c.req.valid('param');
    if (!isProblemSlug(slug)) {
      return problemJson(c, 404, 'not-found', 'Not found', `no problem type ${slug}`) as never;
    }
    const info = PROBLEM_TYPES[slug];
    if (wantsJson(c.req.header('accept'))) {
      return c.json({ type: `/problems/${slug}`, ...info }, 200, PAGE_SECURITY_HEADERS);
    }
    return htmlPage(c, page(slug, info)) as never;
  });
}
