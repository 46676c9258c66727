import { z } from '@hono/zod-openapi';
import { ActionName, WorkspaceId } from './event.js';

/**
 * Sinks, declared once: the config schema of every type (validation and OpenAPI), which of its fields
 * are secret, and the request/response shapes. A new type adds its config schema, its secret fields
 * and one entry in SINK_VARIANTS; the delivery engine and routes need no change.
 */

export const SECRET_PLACEHOLDER = '***';

const AWS_PARTITION = 'aws[a-z-]*';

export const KinesisSinkConfig = z
  .object({
    streamArn: z
      .string()
      .regex(
        new RegExp(`^arn:${AWS_PARTITION}:kinesis:[a-z0-9-]+:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}$`),
        'must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)',
      )
      .openapi({ example: 'arn:aws:kinesis:eu-west-1:123456789012:stream/audit' }),
    roleArn: z
      .string()
      .regex(
        new RegExp(`^arn:${AWS_PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`),
        'must be an IAM role ARN',
      )
      .optional()
      .openapi({ description: 'Assumed (with externalId) to publish; otherwise our own credentials.' }),
    externalId: z
      .string()
      .min(2)
      .max(1224)
      .regex(/^[\w+=,.@:/-]+$/, 'must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]')
      .optional()
      .openapi({ description: 'Secret: stored encrypted, shown as "***".' }),
  })
  .strict()
  .refine((c) => c.externalId === undefined || c.roleArn !== undefined, {
    message: 'externalId is only used together with roleArn',
    path: ['externalId'],
  })
  .openapi('KinesisSinkConfig');
export type KinesisSinkConfig = z.infer<typeof KinesisSinkConfig>;

/** Every sink type: its config schema and the config fields that are secrets (sealed at rest, never shown). */
export const SINK_TYPES = {
  kinesis: { config: KinesisSinkConfig, secretFields: ['externalId'] },
} as const satisfies Record<string, { config: z.ZodType; secretFields: readonly string[] }>;

export type SinkType = keyof typeof SINK_TYPES;
export const SinkTypeName = z.enum(Object.keys(SINK_TYPES) as [SinkType, ...SinkType[]]).openapi('SinkType');

export function isSinkType(type: string): type is SinkType {
  return Object.hasOwn(SINK_TYPES, type);
}

export function secretFieldsOf(type: string): readonly string[] {
  return isSinkType(type) ? SINK_TYPES[type].secretFields : [];
}

/** An action name, or a prefix written as "discovery.*". */
const ActionPattern = ActionName;
const TagSlug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lowercase slug');

export const SinkFilter = z
  .object({
    actions: z.array(ActionPattern).min(1).max(100).optional().openapi({
      description: 'Deliver only these actions; "prefix.*" matches a prefix.',
    }),
    tags: z
      .array(TagSlug)
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: 'Deliver only actions carrying one of these inventory tags.' }),
  })
  .strict()
  .openapi('SinkFilter');
export type SinkFilter = z.infer<typeof SinkFilter>;

export const SinkName = z.string().trim().min(1).max(200);

const SinkCreateBase = z.object({
  name: SinkName,
  workspaceId: WorkspaceId,
  filter: SinkFilter.optional(),
  enabled: z.boolean().optional().openapi({ description: 'Default true.' }),
  paused: z.boolean().optional().openapi({ description: 'Default false.' }),
});

const SINK_VARIANTS = [
  SinkCreateBase.extend({ type: z.literal('kinesis'), config: KinesisSinkConfig })
    .strict()
    .openapi('KinesisSinkCreate'),
] as const;

export const SinkCreate = z.discriminatedUnion('type', SINK_VARIANTS).openapi('SinkCreate');
export type SinkCreate = z.infer<typeof SinkCreate>;

export const SinkUpdate = z
  .object({
    name: SinkName.optional(),
    config: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        'Merged into the current config: a key replaces, null removes, "***" for a secret keeps it. The result is validated as a whole.',
    }),
    filter: SinkFilter.nullable().optional().openapi({ description: 'Replaces the filter; null clears it.' }),
    enabled: z.boolean().optional(),
    paused: z.boolean().optional(),
  })
  .strict()
  .openapi('SinkUpdate');
export type SinkUpdate = z.infer<typeof SinkUpdate>;

export const SinkStatus = z.enum(['active', 'paused', 'failing', 'disabled']).openapi('SinkStatus');
export type SinkStatus = z.infer<typeof SinkStatus>;

export const Sink = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    type: SinkTypeName,
    config: z.record(z.string(), z.unknown()).openapi({ description: 'Secrets shown as "***".' }),
    filter: SinkFilter,
    enabled: z.boolean(),
    paused: z.boolean(),
    status: SinkStatus,
    lastDeliveryAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lagEvents: z.number().int().openapi({
      description: 'Events of the workspace beyond the sink’s cursor (counted up to 100000).',
    }),
    workflowId: z.string().openapi({ description: 'The Temporal workflow id of its delivery.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    warnings: z.array(z.string()),
  })
  .openapi('Sink');
export type Sink = z.infer<typeof Sink>;

export const SinkDelivery = z
  .object({
    id: z.string(),
    status: z.enum(['in_progress', 'succeeded', 'failed']),
    eventCount: z.number().int(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    workflowId: z.string().nullable(),
    runId: z.string().nullable(),
  })
  .openapi('SinkDelivery');
export type SinkDelivery = z.infer<typeof SinkDelivery>;

export function sinkStatus(s: { enabled: boolean; paused: boolean; lastError: string | null }): SinkStatus {
  if (!s.enabled) return 'disabled';
  if (s.paused) return 'paused';
  if (s.lastError !== null) return 'failing';
  return 'active';
}
