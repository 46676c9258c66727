import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuditEventSchema } from '../../packages/producer/src/event.js';
import { EventInput } from '../../src/domain/event.js';

// The producer package carries its own copy of the API's event schema (it cannot depend on the platform).
// The copy must give the same answers: an event `enqueue` accepts is one the API accepts, and one it
// refuses is one the API would refuse, at the same JSON pointers.

const base = { actorKind: 'user', action: 'billing.plan_changed' };
const nest = (levels: number): Record<string, unknown> => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v as Record<string, unknown>;
};
const spread = (keys: number): Record<string, Record<string, number>> => {
  const m: Record<string, Record<string, number>> = {};
  for (let g = 0; g < 10; g++) m[`g${g}`] = {};
  for (let i = 0; i < keys - 10; i++) m[`g${i % 10}`]![`k${i}`] = 0;
  return m;
};
const CASES: Array<[string, unknown]> = [
  ['minimal', base],
  [
    'every field',
    {
      ...base,
      id: 'evt_1-A',
      tenantId: 't_1.a:b-c',
      workspaceId: 'w_1',
      occurredAt: '2026-01-02T03:04:05.678+02:00',
      actorUserId: 'u_1',
      actorApiKeyId: 'k_1',
      resourceType: 'subscription',
      resourceId: 'acct_42',
      metadata: { from: 'free', to: 'pro', nested: { n: 1 } },
      ip: '2001:db8::1',
      userAgent: 'curl/8',
    },
  ],
  ['nulls where nullable', { ...base, workspaceId: null, actorUserId: null, ip: null, userAgent: null }],
  ['id with a space', { ...base, id: 'evt 1' }],
  ['id too long', { ...base, id: 'e'.repeat(65) }],
  ['empty id', { ...base, id: '' }],
  ['tenant id with a slash', { ...base, tenantId: 't/1' }],
  ['workspace id too long', { ...base, workspaceId: 'w'.repeat(129) }],
  ['timestamp without offset', { ...base, occurredAt: '2026-01-02T03:04:05' }],
  ['timestamp in year 0000', { ...base, occurredAt: '0000-12-31T23:00:00Z' }],
  ['timestamp in Z', { ...base, occurredAt: '2026-01-02T03:04:05Z' }],
  ['not a timestamp', { ...base, occurredAt: 'yesterday' }],
  ['unknown actor kind', { ...base, actorKind: 'robot' }],
  ['no actor kind', { action: 'x' }],
  ['empty action', { ...base, action: '' }],
  ['action with a newline', { ...base, action: 'a\nb' }],
  ['action too long', { ...base, action: 'a'.repeat(201) }],
  ['resource type with a C1 control', { ...base, resourceType: 'a\u0085' }],
  ['resource id too long', { ...base, resourceId: 'r'.repeat(257) }],
  ['metadata an array', { ...base, metadata: [1, 2] }],
  ['metadata over 16 KiB', { ...base, metadata: { big: 'x'.repeat(16 * 1024) } }],
  ['bad ip', { ...base, ip: '300.1.1.1' }],
  ['user agent too long', { ...base, userAgent: 'u'.repeat(1025) }],
  ['unknown key', { ...base, severity: 'high' }],
  ['wrong types', { actorKind: 1, action: 2, metadata: 'x', ip: 4 }],
  ['user agent with U+0000', { ...base, userAgent: 'curl\u0000' }],
  ['metadata value with U+0000', { ...base, metadata: { a: [1, 'x\u0000'] } }],
  ['metadata key with U+0000', { ...base, metadata: { a: { 'k\u0000': 1 } } }],
  ['metadata with an unpaired surrogate', { ...base, metadata: { a: '\ud800', '\udc00': 1 } }],
  ['metadata with a surrogate pair', { ...base, metadata: { '😀': '😀' } }],
  ['metadata 32 levels deep', { ...base, metadata: nest(32) }],
  ['metadata 33 levels deep', { ...base, metadata: nest(33) }],
  ['metadata with 1,000 keys', { ...base, metadata: spread(1000) }],
  ['metadata with 1,001 keys', { ...base, metadata: spread(1001) }],
  ['null', null],
  ['a string', 'event'],
];

test('the package event schema answers as the API schema does, case by case', () => {
  for (const [name, input] of CASES) {
    const ours = AuditEventSchema.safeParse(input);
    const api = EventInput.safeParse(input);
    assert.equal(ours.success, api.success, `${name}: accepted by one schema only`);
    if (ours.success && api.success) assert.deepEqual(ours.data, api.data, name);
    if (!ours.success && !api.success) {
      const issues = (r: typeof ours | typeof api) =>
        (r.error?.issues ?? []).map((i) => `${i.path.join('/')}: ${i.message}`).sort();
      assert.deepEqual(issues(ours), issues(api), name);
    }
  }
});
