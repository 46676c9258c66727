import { z } from '@hono/zod-openapi';

/**
 * The action inventory, declared once: what GET /v1/audit/actions returns, and the rules for tags and
 * auto-promotion. Pure, so workflows may import it.
 */
export const ActionSource = z.enum(['discovered', 'manual', 'auto']).openapi('ActionSource');
export type ActionSource = z.infer<typeof ActionSource>;

export const MAX_TAGS_PER_ACTION = 20;

export const Tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lowercase slug: a-z, 0-9 and single hyphens inside')
  .openapi({ example: 'billing' });

export const ActionEntry = z
  .object({
    action: z.string(),
    canonical: z.boolean(),
    source: ActionSource,
    tags: z.array(z.string()),
    count: z.number().int(),
    firstSeenAt: z.string().nullable().openapi({ description: 'When the platform first received it.' }),
    lastSeenAt: z.string().nullable().openapi({ description: 'When the platform last received it.' }),
    suggested: z.boolean().openapi({ description: 'Near the auto-promotion thresholds.' }),
  })
  .openapi('ActionEntry', {
    example: {
      action: 'invoice.refund_issued',
      canonical: true,
      source: 'auto',
      tags: ['billing'],
      count: 1_204,
      firstSeenAt: '2026-10-02T08:15:00.000Z',
      lastSeenAt: '2026-11-30T14:03:12.345Z',
      suggested: false,
    },
  });
export type ActionEntry = z.infer<typeof ActionEntry>;

export interface PromotionThresholds {
  /** Seen at least this many times… */
  minCount: number;
  /** …and first seen at least this long ago. */
  minAgeMs: number;
}

/**
 * "Near" the thresholds: at least this fraction of the way to both of them. Such entries are marked
 * suggested so an admin can decide before the schedule does.
 */
export const SUGGESTION_FRACTION = 0.8;

/** A canonical action not received for this long counts as stale drift. */
export const STALE_CANONICAL_AFTER_MS = 30 * 24 * 3_600_000;
