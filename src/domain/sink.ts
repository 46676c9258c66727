import { z } from '@hono/zod-openapi';
import { ActionName, WorkspaceId } from './event.js';

/**
 * Sinks, declared once: the config schema of every type (validation and OpenAPI), which of its fields
 * are secret, and the request/response shapes. A new type adds its config schema, its secret fields
 * and one entry in SINK_VARIANTS; the delivery engine and routes need no change.
 */

export const SECRET_PLACEHOLDER = '***';

const AWS_PARTITION = 'aws[a-z-]*';

const RoleArn = z
  .string()
  .regex(
    new RegExp(`^arn:${AWS_PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`),
    'must be an IAM role ARN',
  )
  .optional()
  .openapi({ description: 'Assumed (with externalId) to publish; otherwise our own credentials.' });

const ExternalId = z
  .string()
  .min(2)
  .max(1224)
  .regex(/^[\w+=,.@:/-]+$/, 'must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]')
  .optional()
  .openapi({ description: 'Secret: stored encrypted, shown as "***".' });

const externalIdNeedsRole = (c: { roleArn?: string; externalId?: string }) =>
  c.externalId === undefined || c.roleArn !== undefined;
const EXTERNAL_ID_NEEDS_ROLE = {
  message: 'externalId is only used together with roleArn',
  path: ['externalId'],
};

export const KinesisSinkConfig = z
  .object({
    streamArn: z
      .string()
      .regex(
        new RegExp(`^arn:${AWS_PARTITION}:kinesis:[a-z0-9-]+:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}$`),
        'must be a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)',
      )
      .openapi({ example: 'arn:aws:kinesis:eu-west-1:123456789012:stream/audit' }),
    roleArn: RoleArn,
    externalId: ExternalId,
  })
  .strict()
  .refine(externalIdNeedsRole, EXTERNAL_ID_NEEDS_ROLE)
  .openapi('KinesisSinkConfig');
export type KinesisSinkConfig = z.infer<typeof KinesisSinkConfig>;

export const S3SinkConfig = z
  .object({
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name (3-63 characters of [a-z0-9.-])',
      )
      .openapi({ example: 'acme-audit-archive' }),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
      .openapi({ example: 'eu-west-1' }),
    prefix: z
      .string()
      .max(512)
      .regex(/^[^/][\x20-\x7e]*$/, 'must be printable ASCII and must not start with "/"')
      .optional()
      .openapi({ description: 'Prepended to every object key as is (end it with "/" for a folder).' }),
    roleArn: RoleArn,
    externalId: ExternalId,
  })
  .strict()
  .refine(externalIdNeedsRole, EXTERNAL_ID_NEEDS_ROLE)
  .openapi('S3SinkConfig');
export type S3SinkConfig = z.infer<typeof S3SinkConfig>;

/** Headers the platform sets itself; a sink may not replace them. */
export const RESERVED_HTTP_HEADERS = [
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'idempotency-key',
  'x-audit-signature',
  'x-audit-timestamp',
];

const HttpSecret = z.string().min(16, 'must be at least 16 characters').max(512);

export const HttpSinkConfig = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine((u) => URL.canParse(u), 'must be an absolute URL')
      .refine((u) => !URL.canParse(u) || ['https:', 'http:'].includes(new URL(u).protocol), 'must be https')
      .refine(
        (u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''),
        'must not carry credentials; put them in headers (stored encrypted)',
      )
      .openapi({
        example: 'https://siem.example.com/ingest',
        description: 'https (http only for private hosts when AUDIT_ALLOW_PRIVATE_SINK_HOSTS=true).',
      }),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name'),
        z
          .string()
          .max(4096)
          .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain control characters'),
      )
      .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
      .refine(
        (h) => Object.keys(h).every((k) => !RESERVED_HTTP_HEADERS.includes(k.toLowerCase())),
        `must not set ${RESERVED_HTTP_HEADERS.join(', ')}`,
      )
      .optional()
      .openapi({ description: 'Sent with every request. Secret: stored encrypted, shown as "***".' }),
    secret: HttpSecret.optional().openapi({
      description:
        'HMAC-SHA256 signing secret (X-Audit-Signature). Secret: stored encrypted, shown as "***". Replacing it keeps the previous one valid for secretOverlapSeconds.',
    }),
    secretOverlapSeconds: z.number().int().min(0).max(604_800).optional().openapi({
      description: 'How long a replaced secret still signs (a second v1 signature). Default 86400 (24 h).',
    }),
    previousSecret: HttpSecret.optional().openapi({
      description: 'Set by the platform when the secret is replaced; shown as "***".',
    }),
    previousSecretExpiresAt: z.iso.datetime({ offset: true }).optional().openapi({
      description: 'Set by the platform: until when the previous secret still signs.',
    }),
    timeoutMs: z.number().int().min(100).max(60_000).optional().openapi({ description: 'Default 10000.' }),
  })
  .strict()
  .openapi('HttpSinkConfig');
export type HttpSinkConfig = z.infer<typeof HttpSinkConfig>;

export const SYSLOG_FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/**
 * A host name, or an IP address written the one way the SSRF guard reads it. getaddrinfo also takes
 * numeric shorthands (2130706433, 0177.0.0.1, 0x7f.1, 127.1, 012.0.0.1 are all loopback or private)
 * and a name ending in a numeric label is parsed as one; a port belongs in `port`.
 */
function isCanonicalHost(host: string): boolean {
  const ipv6 = host.startsWith('[') ? host : host.includes(':') ? `[${host}]` : null;
  const url = `http://${ipv6 ?? host}/`;
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.port !== '') return false;
  // IPv6 is judged by the guard in any spelling; anything else must read back as written (WHATWG URL
  // turns every numeric IPv4 shorthand into a dotted quad and refuses a name ending in a number).
  return ipv6 !== null ? parsed.hostname.startsWith('[') : parsed.hostname === host.toLowerCase();
}
const NON_CANONICAL_HOST =
  'must be a host name or an IP address in canonical form (no numeric shorthand such as 2130706433 or 0x7f.1, no port)';

export const SyslogSinkConfig = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(
        /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)$/,
        'must be a host name or an IP address',
      )
      .refine(isCanonicalHost, NON_CANONICAL_HOST)
      .openapi({ example: 'siem.example.com' }),
    port: z.number().int().min(1).max(65_535).default(514),
    protocol: z.enum(['udp', 'tcp', 'tls']),
    facility: z.enum(SYSLOG_FACILITIES).optional().openapi({ description: 'Default local0.' }),
    appName: z
      .string()
      .regex(/^[\x21-\x7e]{1,48}$/, 'must be 1-48 printable ASCII characters without spaces')
      .optional()
      .openapi({ description: 'RFC 5424 APP-NAME. Default audit-platform.' }),
    caCert: z
      .string()
      .max(65_536)
      .regex(/-----BEGIN CERTIFICATE-----/, 'must be PEM certificates')
      .optional()
      .openapi({
        description: 'tls: PEM CA certificate(s) trusted in addition to the system CAs (private CAs).',
      }),
  })
  .strict()
  .refine((c) => c.caCert === undefined || c.protocol === 'tls', {
    message: 'caCert is only used with protocol tls',
    path: ['caCert'],
  })
  .openapi('SyslogSinkConfig');
export type SyslogSinkConfig = z.infer<typeof SyslogSinkConfig>;

export const ConsoleSinkConfig = z.object({}).strict().openapi('ConsoleSinkConfig');
export type ConsoleSinkConfig = z.infer<typeof ConsoleSinkConfig>;

/**
 * Every sink type: its config schema, the config fields that are secrets (sealed at rest, never shown),
 * and where each secret is sent: a PATCH that changes one of those fields drops the secret unless it
 * supplies it again (a secret never follows a sink to a new destination). The http headers and signing
 * secrets go to `url` (any change of it: one origin can host many receivers); an externalId is presented
 * only to STS with `roleArn` (a role of another account would see it in its CloudTrail), not to the
 * stream or bucket. syslog has no secret: a `host`/`port` change carries none.
 */
export const SINK_TYPES = {
  kinesis: {
    config: KinesisSinkConfig,
    secretFields: ['externalId'],
    secretDestinations: { externalId: ['roleArn'] },
  },
  s3: { config: S3SinkConfig, secretFields: ['externalId'], secretDestinations: { externalId: ['roleArn'] } },
  http: {
    config: HttpSinkConfig,
    secretFields: ['headers', 'secret', 'previousSecret'],
    secretDestinations: { headers: ['url'], secret: ['url'], previousSecret: ['url'] },
  },
  syslog: { config: SyslogSinkConfig, secretFields: [], secretDestinations: {} },
  console: { config: ConsoleSinkConfig, secretFields: [], secretDestinations: {} },
} as const satisfies Record<
  string,
  {
    config: z.ZodType;
    secretFields: readonly string[];
    secretDestinations: Readonly<Record<string, readonly string[]>>;
  }
>;

export type SinkType = keyof typeof SINK_TYPES;
export const SinkTypeName = z.enum(Object.keys(SINK_TYPES) as [SinkType, ...SinkType[]]).openapi('SinkType');

export function isSinkType(type: string): type is SinkType {
  return Object.hasOwn(SINK_TYPES, type);
}

export function secretFieldsOf(type: string): readonly string[] {
  return isSinkType(type) ? SINK_TYPES[type].secretFields : [];
}

/** Secret field → the config fields naming where it is sent. */
export function secretDestinationsOf(type: string): Readonly<Record<string, readonly string[]>> {
  return isSinkType(type) ? SINK_TYPES[type].secretDestinations : {};
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
  SinkCreateBase.extend({ type: z.literal('s3'), config: S3SinkConfig })
    .strict()
    .openapi('S3SinkCreate'),
  SinkCreateBase.extend({ type: z.literal('http'), config: HttpSinkConfig })
    .strict()
    .openapi('HttpSinkCreate'),
  SinkCreateBase.extend({ type: z.literal('syslog'), config: SyslogSinkConfig })
    .strict()
    .openapi('SyslogSinkCreate'),
  SinkCreateBase.extend({ type: z.literal('console'), config: ConsoleSinkConfig.default({}) })
    .strict()
    .openapi('ConsoleSinkCreate'),
] as const;

export const SinkCreate = z.discriminatedUnion('type', SINK_VARIANTS).openapi('SinkCreate');
export type SinkCreate = z.infer<typeof SinkCreate>;

export const SinkUpdate = z
  .object({
    name: SinkName.optional(),
    config: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        'Merged into the current config: a key replaces, null removes, "***" for a secret keeps it. The result is validated as a whole. Changing where the sink sends (http `url`, kinesis/s3 `roleArn`) drops the stored secrets that went there (http `headers`, `secret`; `externalId`) unless this PATCH supplies them again; "***" cannot keep them then (400).',
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
