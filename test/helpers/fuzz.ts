/**
 * A bad-input fuzzer over every operation of the API's own /openapi.json: requests built from the
 * schemas (path and query parameters, JSON bodies), with hostile values mixed in at every level
 * (U+0000, unpaired surrogates, huge numbers, deep nesting, wrong types, long strings, broken
 * percent-encoding). Used by test/http/fuzz.security.test.ts (short, seeded) and `npm run bench -- fuzz`.
 * It only ever talks to the URL it is given (the local server on loopback).
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { DATA_EXCEPTION_DETAIL } from '../../src/http/problem.js';

type Schema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }[];
  body?: Schema;
}

export interface FuzzContext {
  /** Bearer tokens by role ('platform' for the platform token). */
  tokens: Record<string, string>;
  /** Known-good values of path and query parameters by name (a console sink's id for sinkId, the tenant…). */
  knownIds: Record<string, string[]>;
}

export interface FuzzRequest {
  method: string;
  /** Path and query, already percent-encoded (possibly badly, on purpose). */
  target: string;
  role: string;
  contentType?: string;
  body?: string;
}

/** A piece of raw JSON text spliced into a body as is (numbers JSON.stringify cannot write, deep nesting). */
class RawJson {
  constructor(readonly text: string) {}
}

function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function loadOperations(baseUrl: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Schema;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: Schema) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          schema: resolve(doc, p.schema ?? {}),
        })),
        body: op.requestBody?.content?.['application/json']?.schema
          ? { ...op.requestBody.content['application/json'].schema, components: doc.components }
          : undefined,
      });
    }
  }
  return ops;
}

function resolve(doc: Schema, schema: Schema): Schema {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1)!;
    return resolve(doc, doc.components.schemas[name]);
  }
  return schema;
}

const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\u202e\u200b\ufeff',
  '😀',
  '',
  ' ',
  '*',
  '.*',
  '%',
  '../../etc/passwd',
  "' or 1=1 --",
  '\\',
  '"',
  '\r\n\t',
  'null',
  '[]',
  '{}',
  '-1',
  '0',
  '1e309',
  '-0',
  'NaN',
  '9'.repeat(400),
  '0000-01-01T00:00:00Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999-01:00',
  '10000-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T00:00:00+99:99',
  'ak_'.padEnd(67, 'f'),
  'snk_\u0000',
  'a'.repeat(3000),
];

/** Raw percent-encoded forms that no JS string encodes to: broken escapes, CESU surrogates, overlong NUL. */
const HOSTILE_ENCODED = [
  '%00',
  'a%00',
  '%ED%A0%80',
  '%C0%80',
  '%FF%FE',
  '%',
  '%zz',
  '%2e%2e%2f',
  '%E2%80%AE',
];

function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
  );
}

function hostileJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileString() },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        null,
        true,
        0,
        -1,
        1.5,
        Number.MAX_SAFE_INTEGER + 2,
        -1e308,
        [],
        {},
        new RawJson('1e400'),
        new RawJson('-1e400'),
        new RawJson('123456789012345678901234567890'),
        new RawJson('1e-400'),
        new RawJson(`"${'\\u0000'.repeat(50)}"`),
        new RawJson('"\\ud800\\u0000\\udfff"'),
        { '\u0000': 1 },
        { '\ud800': '\udfff' },
        { a: { b: { c: '\u0000' } } },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 30, max: 12_000 })
        .map((n) => new RawJson(`${'['.repeat(n)}${']'.repeat(n)}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 30, max: 12_000 })
        .map((n) => new RawJson(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 900, max: 3000 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

function validString(schema: Schema): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  const max = Math.min(schema.maxLength ?? 40, 40);
  const min = schema.minLength ?? 0;
  const choices: fc.Arbitrary<string>[] = [];
  if (typeof schema.example === 'string') choices.push(fc.constant(schema.example));
  if (typeof schema.pattern === 'string') {
    try {
      const re = new RegExp(schema.pattern);
      choices.push(
        fc
          .stringMatching(re, { size: 'xsmall' })
          .filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY)),
      );
    } catch {}
  }
  choices.push(
    fc.constantFrom('w_1', 'discovery.run_started', 'discovery.*', 'audit.sink_created', 'user', 'a'),
    fc.string({ minLength: min, maxLength: Math.max(min, max) }),
  );
  return fc.oneof(...choices);
}

/** A value for `schema`: valid-shaped most of the time, hostile at any node sometimes. */
export function valueFor(schema: Schema, root: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1)!;
    return valueFor(root.components.schemas[name], root, depth);
  }
  const valid = validValue(schema, root, depth);
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostileJson() });
}

function validValue(schema: Schema, root: Schema, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives)) {
    return fc.oneof(...alternatives.map((s: Schema) => valueFor(s, root, depth)));
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) {
    return depth > 3 ? fc.constant({}) : fc.jsonValue({ maxDepth: 3 });
  }
  return fc.oneof(...types.map((t) => typedValue(t, schema, root, depth)));
}

function typedValue(type: string, schema: Schema, root: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'string':
      return validString(schema);
    case 'array': {
      if (depth > 4) return fc.constant([]);
      return fc.array(valueFor(schema.items ?? {}, root, depth + 1), {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props: Record<string, Schema> = schema.properties ?? {};
      const required: string[] = schema.required ?? [];
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) record[k] = valueFor(s, root, depth + 1);
      const known = fc.record(record, {
        requiredKeys: required.filter((k) => k in props),
      });
      if (schema.additionalProperties === false) {
        return fc.oneof(
          { weight: 8, arbitrary: known },
          { weight: 1, arbitrary: known.map((o) => ({ ...o, unexpected: 1 })) },
        );
      }
      const extra =
        typeof schema.additionalProperties === 'object'
          ? fc.dictionary(
              fc.string({ maxLength: 10 }),
              valueFor(schema.additionalProperties, root, depth + 1),
              {
                maxKeys: 3,
              },
            )
          : fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Percent-encodes a JS string as UTF-8 (an unpaired surrogate becomes U+FFFD, as browsers do). */
function encode(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x5f
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function paramValue(schema: Schema): fc.Arbitrary<string> {
  const valid = validValue(schema, {}, 5).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return fc.oneof(
    { weight: 4, arbitrary: valid.map(encode) },
    {
      weight: 2,
      arbitrary: hostileString().map((s) => encode(s.slice(0, 2000))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_ENCODED) },
  );
}

/** Which role a request to this operation uses: the one the route is for, most of the time. */
function roleFor(op: Operation): fc.Arbitrary<string> {
  const suited = op.method === 'POST' && op.path === '/v1/audit/events' ? 'producer' : 'tenant_admin';
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(suited) },
    { weight: 2, arbitrary: fc.constantFrom('platform', 'viewer', 'connector_builder', 'producer', 'admin') },
  );
}

export function requestArbitrary(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams: Record<string, fc.Arbitrary<string>> = {};
  const queryParams: Record<string, fc.Arbitrary<string>> = {};
  for (const p of op.params) {
    if (p.in === 'path') {
      // DELETE never targets the fixtures (nor the fuzz's own keys): later requests still reach them.
      const known = op.method === 'DELETE' ? [] : (ctx.knownIds[p.name] ?? []);
      pathParams[p.name] =
        known.length > 0
          ? fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...known).map(encode) },
              { weight: 3, arbitrary: paramValue(p.schema) },
            )
          : paramValue(p.schema);
    } else {
      const known = ctx.knownIds[p.name] ?? [];
      queryParams[p.name] =
        known.length > 0
          ? fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...known).map(encode) },
              { weight: 2, arbitrary: paramValue(p.schema) },
            )
          : paramValue(p.schema);
    }
  }
  const requiredQuery = op.params.filter((p) => p.in === 'query' && p.required).map((p) => p.name);
  const body: fc.Arbitrary<{ contentType?: string; body?: string }> = op.body
    ? fc.oneof(
        {
          weight: 12,
          arbitrary: valueFor(op.body, op.body).map((v) => ({
            contentType: 'application/json',
            body: toJsonText(v),
          })),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            { contentType: 'application/json', body: '' },
            { contentType: 'application/json', body: '{"a":' },
            { contentType: 'application/json', body: '\u0000' },
            { contentType: 'application/json', body: '"\\ud800"' },
            { contentType: 'text/plain', body: 'hello' },
            { contentType: 'application/json; charset=latin1', body: '{}' },
            { contentType: undefined, body: '{}' },
          ),
        },
      )
    : fc.constant({});
  return fc
    .record({
      path: fc.record(pathParams),
      query: fc.record(queryParams, { requiredKeys: requiredQuery }),
      body,
      role: roleFor(op),
    })
    .map(({ path, query, body, role }) => {
      const target = op.path.replace(/\{(\w+)\}/g, (_, name: string) => path[name] ?? 'x');
      const qs = Object.entries(query)
        .map(([k, v]) => `${encode(k)}=${v}`)
        .join('&');
      return { method: op.method, target: qs ? `${target}?${qs}` : target, role, ...body };
    });
}

/** A mix of every operation's requests, reproducible from the seed. */
export function sampleRequests(
  ops: Operation[],
  ctx: FuzzContext,
  count: number,
  seed: number,
): FuzzRequest[] {
  const fuzzed = ops.filter((o) => o.path.startsWith('/v1/'));
  return fc.sample(fc.oneof(...fuzzed.map((op) => requestArbitrary(op, ctx))), { seed, numRuns: count });
}

export interface FuzzOutcome {
  status: number;
  /** Why the answer breaks the contract (5xx, or an error that is not problem+json), or null. */
  violation: string | null;
  /** The 400 of a PostgreSQL data exception (class 22): a value validation let through. */
  dataException: boolean;
}

export interface RawResponse {
  status: number;
  type: string;
  text: string;
}

/**
 * One request on a connection of its own: a server may answer before reading a body it refuses (401,
 * 403, 415) and then close the connection, which must not break the next request.
 */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = request(url, { method, headers, agent: false }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => (responded ? undefined : reject(err)));
    req.end(body);
  });
}

export async function sendFuzzRequest(
  baseUrl: string,
  ctx: FuzzContext,
  req: FuzzRequest,
): Promise<FuzzOutcome> {
  const headers: Record<string, string> = {};
  const token = ctx.tokens[req.role];
  if (token) headers.authorization = `Bearer ${token}`;
  if (req.contentType) headers['content-type'] = req.contentType;
  let res: RawResponse;
  try {
    res = await send(`${baseUrl}${req.target}`, req.method, headers, req.body);
  } catch (err) {
    return { status: 0, violation: `no answer: ${(err as Error).message}`, dataException: false };
  }
  const text = res.text;
  let violation: string | null = null;
  let dataException = false;
  if (res.status >= 500) violation = `answered ${res.status}`;
  else if (res.status >= 400) {
    const type = res.type;
    let body: Schema | null = null;
    try {
      body = JSON.parse(text);
    } catch {}
    if (!type.startsWith('application/problem+json')) violation = `error with content-type ${type}`;
    else if (
      !body ||
      typeof body.type !== 'string' ||
      typeof body.title !== 'string' ||
      body.status !== res.status
    ) {
      violation = 'error body is not a problem document with type, title and status';
    }
    dataException = body?.detail === DATA_EXCEPTION_DETAIL;
  }
  if (violation) violation += `: ${text.slice(0, 300)}`;
  return { status: res.status, violation, dataException };
}

/** A failing request, short enough for an assertion message. */
export function describeRequest(req: FuzzRequest): string {
  const body = req.body === undefined ? '' : ` ${req.contentType ?? '(no type)'} ${req.body.slice(0, 200)}`;
  return `${req.role}: ${req.method} ${req.target.slice(0, 200)}${body}`;
}
