import { isIP } from 'node:net';
import { z } from '@hono/zod-openapi';
import { unstorableText } from './text.js';

/**
 * The audit event, declared once. The wire object (what GET returns and what every sink sends)
 * has exactly the keys of AuditEvent, in this order.
 */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

// C0, DEL and C1 control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

export const ActorKind = z.enum(['user', 'api_key', 'system']).openapi('ActorKind');
export type ActorKind = z.infer<typeof ActorKind>;

export const EventId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be 1-64 characters of [A-Za-z0-9_-]');

export const TenantId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1-128 characters of [A-Za-z0-9_.:-]');

export const WorkspaceId = TenantId;

export const ActionName = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

const OptionalText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
    .nullish();

/** Instants with a four-digit year in UTC: ISO-8601's basic form, and what PostgreSQL and JS agree on. */
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

export const IsoTimestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp with a time zone offset' })
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real point in time')
  .refine((s) => {
    const t = Date.parse(s);
    return Number.isNaN(t) || (t >= EARLIEST_INSTANT && t <= LATEST_INSTANT);
  }, 'must fall between the years 0001 and 9999 (UTC)');

/** metadata: at most this many levels of objects and arrays (the metadata object itself is level 1). */
export const MAX_METADATA_DEPTH = 32;
/** metadata: at most this many keys, counted over every object at any depth. */
export const MAX_METADATA_KEYS = 1000;

interface MetadataProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Depth, key count and storable text (keys and values) of a metadata value, in one iterative walk
 * that stops at the first problem: its cost is bounded by the limits, not by what a client sends.
 */
function metadataProblem(root: Record<string, unknown>): MetadataProblem | null {
  interface Node {
    value: unknown;
    parent: Node | null;
    key: string | number;
    depth: number;
  }
  const pathOf = (node: Node | null, last?: string): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let n = node; n?.parent; n = n.parent) path.unshift(n.key);
    return path;
  };
  let keys = 0;
  const stack: Node[] = [{ value: root, parent: null, key: '', depth: 1 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      const bad = unstorableText(value);
      if (bad) return { path: pathOf(node), message: bad };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (node.depth > MAX_METADATA_DEPTH) {
      return { path: pathOf(node), message: `must not nest more than ${MAX_METADATA_DEPTH} levels deep` };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], parent: node, key: i, depth: node.depth + 1 });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      keys++;
      if (keys > MAX_METADATA_KEYS) {
        return { path: [], message: `must have at most ${MAX_METADATA_KEYS} keys in all (at any depth)` };
      }
      const bad = unstorableText(key);
      if (bad) return { path: pathOf(node, key), message: `a key ${bad}` };
      stack.push({
        value: (value as Record<string, unknown>)[key],
        parent: node,
        key,
        depth: node.depth + 1,
      });
    }
  }
  return null;
}

export const Metadata = z
  .record(z.string(), z.unknown())
  .superRefine((m, ctx) => {
    const problem = metadataProblem(m);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
      return;
    }
    // Bounded by the walk above: JSON.stringify cannot recurse deeper than MAX_METADATA_DEPTH.
    if (Buffer.byteLength(JSON.stringify(m), 'utf8') > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must serialize to at most ${MAX_METADATA_BYTES} bytes` });
    }
  })
  .openapi({
    type: 'object',
    additionalProperties: true,
    description: `At most ${MAX_METADATA_BYTES} bytes as JSON, ${MAX_METADATA_DEPTH} levels deep and ${MAX_METADATA_KEYS} keys in all; no U+0000 or unpaired surrogates.`,
  });

export const EventInput = z
  .object({
    id: EventId.optional(),
    tenantId: TenantId.optional(),
    workspaceId: WorkspaceId.nullish(),
    occurredAt: IsoTimestamp.optional(),
    actorKind: ActorKind,
    actorUserId: OptionalText(256),
    actorApiKeyId: OptionalText(256),
    action: ActionName,
    resourceType: OptionalText(256),
    resourceId: OptionalText(256),
    metadata: Metadata.optional(),
    ip: z
      .string()
      .refine((s) => isIP(s) !== 0, 'must be a valid IPv4 or IPv6 address')
      .nullish(),
    userAgent: z
      .string()
      .max(1024)
      .refine((s) => unstorableText(s) === null, 'must not contain U+0000 or an unpaired surrogate')
      .nullish(),
  })
  .strict()
  .openapi('EventInput', {
    example: {
      id: '01JF3ZKQ8M6W2V4T9XHB5N7C1D',
      workspaceId: 'ws_finance',
      occurredAt: '2026-11-30T14:03:12.345Z',
      actorKind: 'user',
      actorUserId: 'u_1842',
      action: 'invoice.refund_issued',
      resourceType: 'invoice',
      resourceId: 'inv_20931',
      metadata: { amountCents: 4200, currency: 'EUR' },
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    },
  });
export type EventInput = z.infer<typeof EventInput>;

export const EventBatchInput = z
  .object({ events: z.array(EventInput).min(1).max(MAX_BATCH_EVENTS) })
  .strict()
  .openapi('EventBatchInput', {
    example: {
      events: [
        {
          actorKind: 'user',
          actorUserId: 'u_1842',
          action: 'invoice.refund_issued',
          resourceId: 'inv_20931',
        },
        {
          actorKind: 'system',
          action: 'invoice.reminder_sent',
          resourceType: 'invoice',
          resourceId: 'inv_20932',
        },
      ],
    },
  });

export const IngestBody = z.union([EventBatchInput, EventInput]).openapi('IngestBody', {
  example: {
    actorKind: 'user',
    actorUserId: 'u_1842',
    action: 'invoice.refund_issued',
    workspaceId: 'ws_finance',
  },
});

/** One stored event, for the reference's examples. */
export const EXAMPLE_EVENT = {
  id: '01JF3ZKQ8M6W2V4T9XHB5N7C1D',
  tenantId: 'acme',
  workspaceId: 'ws_finance',
  occurredAt: '2026-11-30T14:03:12.345Z',
  actorKind: 'user',
  actorUserId: 'u_1842',
  actorApiKeyId: null,
  action: 'invoice.refund_issued',
  resourceType: 'invoice',
  resourceId: 'inv_20931',
  metadata: { amountCents: 4200, currency: 'EUR' } as Record<string, unknown>,
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
} as const;

export const AuditEvent = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    workspaceId: z.string().nullable(),
    occurredAt: z.string(),
    actorKind: ActorKind,
    actorUserId: z.string().nullable(),
    actorApiKeyId: z.string().nullable(),
    action: z.string(),
    resourceType: z.string().nullable(),
    resourceId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .openapi('AuditEvent', { example: EXAMPLE_EVENT });
export type AuditEvent = z.infer<typeof AuditEvent>;

/** Everything the store needs for one event, after defaults and the caller's tenant are applied. */
export interface NewEvent extends AuditEvent {}

export function normalizeEvent(input: EventInput, tenantId: string, id: string, now: Date): NewEvent {
  return {
    id,
    tenantId,
    workspaceId: input.workspaceId ?? null,
    occurredAt: new Date(input.occurredAt ?? now).toISOString(),
    actorKind: input.actorKind,
    actorUserId: input.actorUserId ?? null,
    actorApiKeyId: input.actorApiKeyId ?? null,
    action: input.action,
    resourceType: input.resourceType ?? null,
    resourceId: input.resourceId ?? null,
    metadata: input.metadata ?? {},
    ip: input.ip ?? null,
    userAgent: input.userAgent ?? null,
  };
}

/** The wire JSON of one event, on one line: what Kinesis records, NDJSON lines and syslog messages carry. */
export function toWireLine(event: AuditEvent): string {
  return JSON.stringify(event);
}
