import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission } from '../../auth/scope.js';
import { ValidationError } from '../../domain/errors.js';
import { EventBatchInput, EventInput, IngestBody } from '../../domain/event.js';
import { ingestEvents } from '../../events/store.js';
import type { App, AppDeps } from '../../http/app.js';
import { authorizeBody } from '../../http/input-guards.js';
import { zodFieldErrors } from '../../http/problem.js';
import { problemResponses } from '../problem-responses.js';

const IngestResult = z
  .object({
    accepted: z.number().int().openapi({ description: 'events newly stored' }),
    duplicates: z
      .number()
      .int()
      .openapi({ description: 'events whose id was already stored for the tenant' }),
    ids: z.array(z.string()).openapi({ description: 'the id of every event of the request, in order' }),
  })
  .openapi('IngestResult', {
    example: {
      accepted: 2,
      duplicates: 0,
      ids: ['01JF3ZKQ8M6W2V4T9XHB5N7C1D', '01JF3ZKQ8N0B7D2F4H6K8M9P1Q'],
    },
  });

const route = createRoute({
  method: 'post',
  path: '/v1/audit/events',
  operationId: 'ingestEvents',
  tags: ['events'],
  summary: 'Ingest one event or a batch of up to 1000',
  middleware: [authorizeBody('events:ingest')] as const,
  description:
    'Answers 202 once the events are durably stored. A batch is atomic: one invalid event rejects it with per-index errors. Re-sending a stored id counts as a duplicate.',
  request: { body: { required: true, content: { 'application/json': { schema: IngestBody } } } },
  responses: {
    202: { description: 'stored', content: { 'application/json': { schema: IngestResult } } },
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

function isBatch(body: unknown): body is { events: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
}

export function registerIngestEvents(app: App, deps: AppDeps): void {
  app.openapi(
    route,
    async (c) => {
      const caller = c.get('caller');
      requirePermission(caller, 'events:ingest');
      const body = c.req.valid('json');
      const batch = 'events' in body;
      const inputs = batch ? body.events : [body];
      const result = await ingestEvents(
        { pool: deps.pool, actionMaxSegments: deps.actionMaxSegments, onStored: deps.onEventsStored },
        caller,
        inputs,
        batch ? '/events' : '',
      );
      deps.prometheus?.api.ingested(result);
      return c.json(result, 202);
    },
    // A union's errors are vague; re-validate against the shape the body claims to have.
    async (result, c) => {
      // The hook's type wants a response on success; returning nothing lets the handler run.
      if (result.success) return undefined as never;
      const raw: unknown = await c.req.json().catch(() => undefined);
      const schema = isBatch(raw) ? EventBatchInput : EventInput;
      const precise = schema.safeParse(raw);
      const errors = precise.success ? zodFieldErrors(result.error) : zodFieldErrors(precise.error);
      throw new ValidationError('the request body is invalid; nothing was stored', { errors });
    },
  );
}
