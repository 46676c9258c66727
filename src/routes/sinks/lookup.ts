import { z } from '@hono/zod-openapi';
import { assertWorkspaceAccess } from '../../auth/scope.js';
import type { Queryable } from '../../db/pool.js';
import { findSink, type SinkRecord } from '../../db/sinks.js';
import type { Caller } from '../../domain/caller.js';
import { NotFoundError } from '../../domain/errors.js';
import { unstorableText } from '../../domain/text.js';

export const TenantQuery = z.object({
  tenantId: z.string().min(1).optional().openapi({ description: 'Required with the platform token only.' }),
});

export const SinkParams = z.object({
  sinkId: z
    .string()
    .min(1)
    .max(64)
    .refine((s) => unstorableText(s) === null, 'must not contain U+0000')
    .openapi({ param: { name: 'sinkId', in: 'path' } }),
});

/**
 * The sink, if the caller's tenant owns it (otherwise 404, whatever tenant owns it) and the caller may
 * reach its workspace (otherwise 403).
 */
export async function findVisibleSink(
  db: Queryable,
  caller: Caller,
  tenantId: string,
  sinkId: string,
  opts: { lag?: boolean } = {},
): Promise<SinkRecord> {
  const sink = await findSink(db, tenantId, sinkId, opts);
  if (!sink) throw new NotFoundError(`no sink ${sinkId}`);
  assertWorkspaceAccess(caller, sink.workspaceId);
  return sink;
}
