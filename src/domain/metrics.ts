import { z } from '@hono/zod-openapi';
import { SinkStatus, SinkTypeName } from './sink.js';

/** The tenant health figures of GET /v1/audit/metrics, declared once (validation, OpenAPI, snapshots). */

export const EventTotals = z
  .object({
    total: z.number().int().openapi({ description: 'Events stored, ever.' }),
    last24h: z.number().int().openapi({
      description:
        'Events received (received_at) in the 24 h before generatedAt, to the minute: the window starts at the beginning of the minute 24 h ago.',
    }),
  })
  .openapi('EventTotals');

export const ActionDrift = z
  .object({
    discoveredNotCanonical: z.number().int().openapi({
      description: 'Names seen but still undecided (source discovered, not canonical).',
    }),
    staleCanonical: z.number().int().openapi({
      description:
        'Canonical names not received for 30 days (pre-registered ones count from their decision).',
    }),
  })
  .openapi('ActionDrift');

export const ActionFigures = z
  .object({
    discovered: z.number().int().openapi({ description: 'Names in the inventory (valid names only).' }),
    canonical: z.number().int(),
    invalidActionCount: z.number().int().openapi({
      description: 'Events whose action breaks the naming convention, exact.',
    }),
    drift: ActionDrift,
  })
  .openapi('ActionFigures');

export const SinkFigures = z
  .object({
    id: z.string(),
    type: SinkTypeName,
    status: SinkStatus,
    lastDeliveryAt: z.string().nullable(),
    lagEvents: z.number().int().openapi({
      description: 'Events of the sink’s workspace past its cursor (counted up to 100000).',
    }),
    delivered: z.number().int().openapi({ description: 'Events the destination accepted, ever.' }),
    failed: z.number().int().openapi({
      description: 'Failed delivery attempts, ever (a batch that failed three times counts three).',
    }),
  })
  .openapi('SinkFigures');

const EXAMPLE_FIGURES = {
  events: { total: 182_340, last24h: 4_211 },
  actions: {
    discovered: 64,
    canonical: 58,
    invalidActionCount: 3,
    drift: { discoveredNotCanonical: 6, staleCanonical: 1 },
  },
  sinks: [
    {
      id: 'snk_01jf3zm2q4r6t8v0x2z4b6d8f0',
      type: 'kinesis' as const,
      status: 'active' as const,
      lastDeliveryAt: '2026-11-30T14:03:13.020Z',
      lagEvents: 0,
      delivered: 182_301,
      failed: 2,
    },
  ],
};

export const AuditMetrics = z
  .object({
    events: EventTotals,
    actions: ActionFigures,
    sinks: z.array(SinkFigures),
    generatedAt: z.string(),
  })
  .openapi('AuditMetrics', { example: { ...EXAMPLE_FIGURES, generatedAt: '2026-11-30T14:05:00.000Z' } });
export type AuditMetrics = z.infer<typeof AuditMetrics>;

export const MetricsSnapshot = AuditMetrics.omit({ generatedAt: true })
  .extend({ takenAt: z.string().openapi({ description: 'The scheduled time of the snapshot run.' }) })
  .openapi('MetricsSnapshot', { example: { ...EXAMPLE_FIGURES, takenAt: '2026-11-30T14:05:00.000Z' } });
export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>;

/** At most this many snapshots per answer: a day at the default one-minute interval, with room. */
export const MAX_HISTORY_LIMIT = 2000;
export const DEFAULT_HISTORY_LIMIT = 500;
/** Without `from`, history starts this long before `to`. */
export const DEFAULT_HISTORY_SPAN_MS = 24 * 3_600_000;
