import { z } from '@hono/zod-openapi';
import type { Caller } from './caller.js';

/**
 * Which credential submitted an event (migration 008). Kept beside the event, never inside the SPEC
 * wire object: a producer can write any actor fields, so readers who must tell the platform's own
 * events from a producer's ask for it (GET /v1/audit/events?include=provenance).
 */
export type SubmitterKind = 'api_key' | 'jwt' | 'platform_token' | 'platform';

export interface SubmittedBy {
  kind: SubmitterKind;
  /** The API key's id, or the JWT's sub; null for the platform token and the platform. */
  id: string | null;
}

/** Events the platform writes itself: management records, promotions, the platform token's use. */
export const PLATFORM_WRITTEN: SubmittedBy = { kind: 'platform', id: null };

/** The credential behind a request that posts events. */
export function submittedBy(caller: Caller): SubmittedBy {
  switch (caller.kind) {
    case 'api_key':
      return { kind: 'api_key', id: caller.actor };
    case 'jwt':
      return { kind: 'jwt', id: caller.actor };
    case 'platform':
      return { kind: 'platform_token', id: null };
  }
}

export const Provenance = z
  .object({
    kind: z.enum(['api_key', 'jwt', 'platform_token', 'platform', 'unknown']).openapi({
      description:
        'What submitted the event: an API key, a JWT, the platform token, or the platform itself ' +
        '(its own audit.* records). unknown: stored before provenance was recorded.',
    }),
    keyId: z.string().nullable().openapi({ description: 'The API key id (kind api_key).' }),
    subject: z.string().nullable().openapi({ description: 'The JWT sub (kind jwt).' }),
  })
  .openapi('Provenance');
export type Provenance = z.infer<typeof Provenance>;

export function provenanceOf(kind: SubmitterKind | null, id: string | null): Provenance {
  return {
    kind: kind ?? 'unknown',
    keyId: kind === 'api_key' ? id : null,
    subject: kind === 'jwt' ? id : null,
  };
}
