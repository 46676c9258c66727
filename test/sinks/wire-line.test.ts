import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EVENT_COLUMNS, insertEvents, rowToEvent, WIRE_COLUMNS, wireLineOf } from '../../src/db/events.js';
import { type AuditEvent, toWireLine } from '../../src/domain/event.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Sinks publish the wire line PostgreSQL builds (src/db/events.ts, WIRE_COLUMNS); the API and the sink
// test serialize events with toWireLine. Both must write the same bytes for the same event.

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

const base: AuditEvent = {
  id: 'ev_base',
  tenantId: 't_wire',
  workspaceId: 'w_wire',
  occurredAt: '2026-04-28T07:14:55.123Z',
  actorKind: 'user',
  actorUserId: 'u_1',
  actorApiKeyId: null,
  action: 'document.shared',
  resourceType: 'document',
  resourceId: 'doc_1',
  metadata: {},
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
};

const tricky = 'quote " backslash \\ slash / tab \t newline \n cr \r bell \u0007 unit \u001f del \u007f';
const unicode = 'é ü 中文 😀 \u2028 \u2029 \u00a0 \ufeff';

const events: AuditEvent[] = [
  base,
  {
    ...base,
    id: 'ev_nulls',
    workspaceId: null,
    actorKind: 'system',
    actorUserId: null,
    resourceType: null,
    resourceId: null,
    ip: null,
    userAgent: null,
  },
  { ...base, id: 'ev_api_key', actorKind: 'api_key', actorUserId: null, actorApiKeyId: 'ak_1' },
  { ...base, id: 'ev "quoted" \\ id', resourceId: unicode, userAgent: 'curl/8.0 (ü) 😀', ip: '2001:db8::1' },
  {
    ...base,
    id: 'ev_metadata',
    metadata: {
      text: tricky,
      unicode,
      [`key ${tricky}`]: true,
      numbers: [0, -0, 1, 1.5, -2.25, 1e21, 1e-7, 123456789012345, 0.1],
      nested: { a: { b: { c: [null, false, true, '', [], {}] } } },
      empty: {},
      zz: 'keys come back in jsonb order',
      a: 'short keys first',
    },
  },
  { ...base, id: 'ev_year_1', occurredAt: '0001-01-01T00:00:00.000Z' },
  { ...base, id: 'ev_year_9999', occurredAt: '9999-12-31T23:59:59.999Z' },
  // Microseconds: PostgreSQL keeps them, both paths truncate to milliseconds as toISOString does.
  { ...base, id: 'ev_micros', occurredAt: '2026-01-01T00:00:00.123999Z' },
  { ...base, id: 'ev_offset', occurredAt: '2026-06-30T23:30:00.5-02:00' },
];

test('the wire line PostgreSQL builds is byte for byte toWireLine of the stored event', async () => {
  await insertEvents(
    db.pool,
    events.map((e) => ({ ...e, actionValid: true })),
    // Provenance is stored beside the event and never reaches the wire line.
    { kind: 'api_key', id: 'key_wire' },
  );
  const { rows } = await db.pool.query(
    `select ${WIRE_COLUMNS}, ${EVENT_COLUMNS} from audit_events where tenant_id = 't_wire' order by seq`,
  );
  assert.equal(rows.length, events.length);
  for (const row of rows) {
    const stored = rowToEvent(row);
    assert.equal(wireLineOf(row), toWireLine(stored), `event ${stored.id}`);
    assert.equal(row.occurred_at_iso, stored.occurredAt);
    assert.deepEqual(JSON.parse(wireLineOf(row)), stored);
  }
  const micros = rows.map(rowToEvent).find((e) => e.id === 'ev_micros');
  assert.equal(micros?.occurredAt, '2026-01-01T00:00:00.123Z');
});
