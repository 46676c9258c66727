import type { SinkType } from '../types';

/**
 * What each sink type's form asks for, mirroring the API's config schemas (src/domain/sink.ts). The
 * console validates nothing itself: the API's answer is the only judge, and its per-field messages
 * (`/config/<name>`) are shown next to these fields, so the console and the API never disagree.
 */

export const SECRET = '***';

export type FieldKind = 'text' | 'number' | 'select' | 'textarea' | 'secret' | 'headers';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  optional?: boolean;
  hint?: string;
  placeholder?: string;
  options?: readonly string[];
  /** Changing it changes where events go: stored secrets are dropped unless entered again. */
  destination?: boolean;
  /** Takes the form's whole width (long values: URLs, ARNs). */
  wide?: boolean;
  /** Shown only when another field has one of these values. */
  when?: { field: string; values: readonly string[] };
}

const ROLE_ARN: FieldSpec = {
  name: 'roleArn',
  label: 'Role ARN',
  kind: 'text',
  optional: true,
  destination: true,
  hint: 'An IAM role in your account the platform assumes to publish; without one it uses its own credentials.',
  placeholder: 'arn:aws:iam::123456789012:role/audit-publisher',
};

const EXTERNAL_ID: FieldSpec = {
  name: 'externalId',
  label: 'External ID',
  kind: 'secret',
  optional: true,
  hint: 'Required by the role’s trust policy. Write-only: stored encrypted, never shown.',
};

const FACILITIES = [
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

export const SINK_FIELDS: Record<SinkType, FieldSpec[]> = {
  kinesis: [
    {
      name: 'streamArn',
      label: 'Stream ARN',
      kind: 'text',
      destination: true,
      wide: true,
      placeholder: 'arn:aws:kinesis:eu-west-1:123456789012:stream/audit',
      hint: 'One record per event, partition key = tenant id.',
    },
    ROLE_ARN,
    EXTERNAL_ID,
  ],
  s3: [
    {
      name: 'bucket',
      label: 'Bucket',
      kind: 'text',
      destination: true,
      placeholder: 'acme-audit-archive',
    },
    { name: 'region', label: 'Region', kind: 'text', placeholder: 'eu-west-1' },
    {
      name: 'prefix',
      label: 'Key prefix',
      kind: 'text',
      optional: true,
      placeholder: 'audit/',
      hint: 'Prepended to every object key as is: end it with “/” for a folder.',
    },
    ROLE_ARN,
    EXTERNAL_ID,
  ],
  http: [
    {
      name: 'url',
      label: 'URL',
      kind: 'text',
      destination: true,
      wide: true,
      placeholder: 'https://siem.example.com/ingest',
      hint: 'Batches are POSTed as NDJSON; 2xx is success, 408/429/5xx are retried.',
    },
    {
      name: 'headers',
      label: 'Headers',
      kind: 'headers',
      optional: true,
      hint: 'One “Name: value” a line, sent with every request (e.g. Authorization). Write-only: stored encrypted, never shown.',
      placeholder: 'Authorization: Splunk 00000000-0000-0000-0000-000000000000',
    },
    {
      name: 'secret',
      label: 'Signing secret',
      kind: 'secret',
      optional: true,
      hint: 'At least 16 characters: each request carries an HMAC-SHA256 signature (X-Audit-Signature). Write-only.',
    },
    {
      name: 'secretOverlapSeconds',
      label: 'Old secret stays valid for (seconds)',
      kind: 'number',
      optional: true,
      placeholder: '86400',
      hint: 'After the secret is replaced, the previous one also signs this long.',
    },
    { name: 'timeoutMs', label: 'Timeout (ms)', kind: 'number', optional: true, placeholder: '10000' },
  ],
  syslog: [
    { name: 'host', label: 'Host', kind: 'text', destination: true, placeholder: 'siem.example.com' },
    { name: 'port', label: 'Port', kind: 'number', destination: true, placeholder: '514' },
    {
      name: 'protocol',
      label: 'Protocol',
      kind: 'select',
      options: ['tcp', 'tls', 'udp'],
      hint: 'UDP is best-effort: no acknowledgement, no retry.',
    },
    { name: 'facility', label: 'Facility', kind: 'select', optional: true, options: FACILITIES },
    { name: 'appName', label: 'App name', kind: 'text', optional: true, placeholder: 'audit-platform' },
    {
      name: 'caCert',
      label: 'CA certificate (PEM)',
      kind: 'textarea',
      optional: true,
      when: { field: 'protocol', values: ['tls'] },
      hint: 'Trusted in addition to the system CAs, for a private CA.',
      placeholder: '-----BEGIN CERTIFICATE-----',
    },
  ],
  console: [],
};

export const SINK_TYPE_LABELS: Record<SinkType, { title: string; description: string }> = {
  kinesis: { title: 'Amazon Kinesis', description: 'A Kinesis data stream in your AWS account.' },
  s3: { title: 'Amazon S3', description: 'Gzip JSON-lines objects in a bucket of yours.' },
  http: { title: 'HTTPS endpoint', description: 'NDJSON batches POSTed to your SIEM or collector.' },
  syslog: { title: 'Syslog', description: 'RFC 5424 lines over TCP, TLS or UDP.' },
  console: { title: 'Console', description: 'JSON lines on the audit service’s own stdout (operators).' },
};

/** The form's values: every field as typed (strings), secrets empty unless a new value is typed. */
export type FormValues = Record<string, string>;

/** What the form shows for a stored config (secrets never come back: they stay empty). */
export function initialValues(type: SinkType, config: Record<string, unknown> = {}): FormValues {
  const values: FormValues = {};
  for (const f of SINK_FIELDS[type]) {
    const v = config[f.name];
    if (f.kind === 'secret' || f.kind === 'headers') values[f.name] = '';
    else if (v === undefined || v === null) values[f.name] = f.name === 'protocol' ? 'tcp' : '';
    else values[f.name] = String(v);
  }
  return values;
}

/** Which fields are shown, given the current values (e.g. caCert with protocol tls only). */
export function visibleFields(type: SinkType, values: FormValues): FieldSpec[] {
  return SINK_FIELDS[type].filter((f) => !f.when || f.when.values.includes(values[f.when.field] ?? ''));
}

export class HeadersSyntaxError extends Error {}

/** "Name: value" lines to a header object; a line without a colon is the user's to fix. */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HeadersSyntaxError(`line ${i + 1} is not “Name: value”`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return headers;
}

function typedValue(f: FieldSpec, raw: string): unknown {
  if (f.kind === 'headers') return parseHeaders(raw);
  if (f.kind === 'number') {
    const n = Number(raw.trim());
    // Not a number: sent as typed, so the API's message for the field is the one shown.
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  return f.kind === 'textarea' ? raw : raw.trim();
}

/** The config of a new sink: every non-empty visible field. */
export function createConfig(type: SinkType, values: FormValues): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of visibleFields(type, values)) {
    const raw = values[f.name] ?? '';
    if (raw.trim() !== '') config[f.name] = typedValue(f, raw);
  }
  return config;
}

/**
 * A PATCH of the config (merged by the API: a key replaces, null removes). A secret is sent only when
 * a new value is typed (replace) or removal is asked; otherwise the stored one is left alone.
 */
export function patchConfig(
  type: SinkType,
  stored: Record<string, unknown>,
  values: FormValues,
  removeSecrets: ReadonlySet<string>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const visible = new Set(visibleFields(type, values).map((f) => f.name));
  for (const f of SINK_FIELDS[type]) {
    const raw = values[f.name] ?? '';
    if (f.kind === 'secret' || f.kind === 'headers') {
      if (raw.trim() !== '') patch[f.name] = typedValue(f, raw);
      else if (removeSecrets.has(f.name) && stored[f.name] !== undefined) patch[f.name] = null;
      continue;
    }
    const before = stored[f.name] === undefined || stored[f.name] === null ? '' : String(stored[f.name]);
    if (!visible.has(f.name)) {
      if (before !== '') patch[f.name] = null;
    } else if (raw.trim() === '' && before !== '') patch[f.name] = null;
    else if (raw.trim() !== '' && raw.trim() !== before.trim()) patch[f.name] = typedValue(f, raw);
  }
  return patch;
}

/** Where a sink sends, in a few words (list and headings); never a secret. */
export function destinationOf(type: SinkType, config: Record<string, unknown>): string {
  switch (type) {
    case 'kinesis':
      return String(config.streamArn ?? '').replace(/^arn:aws[a-z-]*:kinesis:/, '');
    case 's3':
      return `s3://${String(config.bucket ?? '')}/${String(config.prefix ?? '')}`;
    case 'http':
      return String(config.url ?? '');
    case 'syslog':
      return `${String(config.protocol ?? '')}://${String(config.host ?? '')}:${String(config.port ?? 514)}`;
    default:
      return 'audit service stdout';
  }
}

/** The stored secrets of a config (shown as "***" by the API). */
export function storedSecrets(type: SinkType, config: Record<string, unknown>): string[] {
  return SINK_FIELDS[type]
    .filter((f) => (f.kind === 'secret' || f.kind === 'headers') && config[f.name] !== undefined)
    .map((f) => f.name);
}
