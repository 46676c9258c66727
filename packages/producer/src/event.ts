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

const MAX_METADATA_DEPTH = 32;
const MAX_METADATA_KEYS = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL cannot store (U+0000, unpaired surrogates), as src/domain/text.ts of the platform. */
function unstorableText(s: string): string | null {
  if (NUL.test(s)) return 'must not contain U+0000';
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate';
  return null;
}

/** Depth, key count and storable text of metadata: the API's rule (src/domain/event.ts), same messages. */
function metadataProblem(
  root: Record<string, unknown>,
): { path: (string | number)[]; message: string } | null {
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
      .superRefine((m, ctx) => {
        const problem = metadataProblem(m);
        if (problem) {
          ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
          return;
        }
        if (Buffer.byteLength(JSON.stringify(m), 'utf8') > MAX_METADATA_BYTES) {
          ctx.addIssue({ code: 'custom', message: `must serialize to at most ${MAX_METADATA_BYTES} bytes` });
        }
      })
      .optional(),
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
  /** Any JSON object: at most 16 KiB serialized, 32 levels deep, 1,000 keys in all, no U+0000 or unpaired surrogates. */
  metadata?: Record<string, unknown> | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
}

// The declared interface and the schema must describe the same object: this fails to compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<AuditEventInput, z.input<typeof AuditEventSchema>> = true;
void sameShape;
