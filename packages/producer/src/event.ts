import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The audit event a producer sends, as the API's `EventInput` schema accepts it (src/domain/event.ts
 * of the platform, without its OpenAPI annotations). The platform's test suite holds the two to the same
 * answers (test/producer/event-schema.test.ts): an event `enqueue` accepts is one the API accepts.
 */
export const MAX_BATCH_EVENTS = 1000;
const MAX_METADATA_BYTES = 16 * 1024;

// C0, DEL and C1 control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const IdentifierText = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1-128 characters of [A-Za-z0-9_.:-]');

const OptionalText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
    .nullish();

const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

const IsoTimestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp with a time zone offset' })
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real point in time')
  .refine((s) => {
    const t = Date.parse(s);
    return Number.isNaN(t) || (t >= EARLIEST_INSTANT && t <= LATEST_INSTANT);
  }, 'must fall between the years 0001 and 9999 (UTC)');

export const AuditEventSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be 1-64 characters of [A-Za-z0-9_-]')
      .optional(),
    tenantId: IdentifierText.optional(),
    workspaceId: IdentifierText.nullish(),
    occurredAt: IsoTimestamp.optional(),
    actorKind: z.enum(['user', 'api_key', 'system']),
    actorUserId: OptionalText(256),
    actorApiKeyId: OptionalText(256),
    action: z
      .string()
      .min(1, 'must not be empty')
      .max(200)
      .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters'),
    resourceType: OptionalText(256),
    resourceId: OptionalText(256),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => Buffer.byteLength(JSON.stringify(m), 'utf8') <= MAX_METADATA_BYTES, {
        message: `must serialize to at most ${MAX_METADATA_BYTES} bytes`,
      })
      .optional(),
    ip: z
      .string()
      .refine((s) => isIP(s) !== 0, 'must be a valid IPv4 or IPv6 address')
      .nullish(),
    userAgent: z.string().max(1024).nullish(),
  })
  .strict();

/**
 * One audit event as the producer writes it. Optional fields may be left out or set to undefined;
 * the nullable ones also take null.
 */
export interface AuditEventInput {
  /** Default: a new ULID. The API's idempotency key: a resend with the same id is a duplicate. */
  id?: string | undefined;
  /** Only for keys of a platform operator; a tenant's key writes to its own tenant. */
  tenantId?: string | undefined;
  workspaceId?: string | null | undefined;
  /** Default: the moment of `enqueue` (not of delivery). */
  occurredAt?: string | undefined;
  actorKind: 'user' | 'api_key' | 'system';
  actorUserId?: string | null | undefined;
  actorApiKeyId?: string | null | undefined;
  /** e.g. `billing.plan_changed`. */
  action: string;
  resourceType?: string | null | undefined;
  resourceId?: string | null | undefined;
  /** Any JSON object, at most 16 KiB serialized. */
  metadata?: Record<string, unknown> | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
}

// The declared interface and the schema must describe the same object: this fails to compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<AuditEventInput, z.input<typeof AuditEventSchema>> = true;
void sameShape;
