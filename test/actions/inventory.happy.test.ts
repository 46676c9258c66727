import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { actionInventoryStats } from '../../src/db/action-drift.js';
import { rollupStep } from '../../src/rollup/log-rollup.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { actionPath, event, ingest, inventory, waitFor, waitForCount } from './support.js';

const TENANT = 't_inventory';
let p: TestPlatform;
let producer: string;
let admin: string;

before(async () => {
  p = await startTestPlatform();
  producer = await p.createKey({ tenantId: TENANT, role: 'producer' });
  admin = await p.createKey({ tenantId: TENANT, role: 'admin' });
});
after(() => p.stop());

test('a new valid name is listed within seconds; invalid names are stored, counted and never listed', async () => {
  const invalid = ['Bad Name', 'tenant.member.invited', 'UPPER', 'dash-ed', 'trailing.'];
  const res = await ingest(p, producer, [
    event('billing.invoice_paid'),
    event('billing.invoice_paid'),
    event('billing.invoice_paid'),
    ...invalid.map((a) => event(a)),
  ]);
  assert.equal(res.accepted, 8);

  const entry = await waitForCount(p, admin, 'billing.invoice_paid', 3);
  assert.equal(entry.count, 3);
  assert.equal(entry.canonical, false);
  assert.equal(entry.source, 'discovered');
  assert.equal(entry.suggested, false);
  assert.deepEqual(entry.tags, []);
  assert.ok(entry.firstSeenAt && entry.lastSeenAt && entry.firstSeenAt <= entry.lastSeenAt);

  const stats = await waitFor(async () => {
    const s = await actionInventoryStats(p.db.pool, TENANT, new Date(0));
    return s.invalidActionCount >= invalid.length ? s : undefined;
  }, 'invalid names counted');
  assert.equal(stats.invalidActionCount, invalid.length);

  const listed = (await inventory(p, admin)).map((a) => a.action);
  for (const name of invalid) assert.ok(!listed.includes(name), `${name} must not be inventoried`);
  // Invalid names are stored and delivered like any other event.
  const stored = await p.request('GET', `/v1/audit/events?action=${encodeURIComponent('Bad Name')}`, {
    token: admin,
  });
  assert.equal(stored.status, 200);
  assert.equal(stored.body.data.length, 1);
});

test('counts stay exact under concurrent ingest of a hot name from several connections', async () => {
  const batches = 8;
  const perBatch = 250;
  const posts = Array.from({ length: batches }, (_, b) =>
    ingest(
      p,
      producer,
      Array.from({ length: perBatch }, (_, i) => event('hot.clicked', { id: `hot-${b}-${i}` })),
    ),
  );
  // Extra rollup steps racing the worker's loop: the cursor lock must keep every event counted once.
  const racers = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 20; i++) await rollupStep(p.db.pool);
  });
  await Promise.all([...posts, ...racers]);
  // Re-sent ids are duplicates: stored once, counted once.
  const again = await ingest(
    p,
    producer,
    Array.from({ length: perBatch }, (_, i) => event('hot.clicked', { id: `hot-0-${i}` })),
  );
  assert.equal(again.duplicates, perBatch);

  const entry = await waitForCount(p, admin, 'hot.clicked', batches * perBatch);
  assert.equal(entry.count, batches * perBatch);
  // Give any double-count a chance to show up.
  await Promise.all(Array.from({ length: 3 }, () => rollupStep(p.db.pool)));
  await new Promise((r) => setTimeout(r, 1200));
  const later = (await inventory(p, admin)).find((a) => a.action === 'hot.clicked');
  assert.equal(later?.count, batches * perBatch);
});

test('PATCH canonical on a dotted name is a manual decision, audited in the tenant log', async () => {
  await waitForCount(p, admin, 'billing.invoice_paid', 3);
  const res = await p.request('PATCH', actionPath('billing.invoice_paid'), {
    token: admin,
    body: { canonical: true },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.action, 'billing.invoice_paid');
  assert.equal(res.body.canonical, true);
  assert.equal(res.body.source, 'manual');
  assert.equal(res.body.count, 3);

  const events = await p.request('GET', '/v1/audit/events?action=audit.action_canonical_changed', {
    token: admin,
  });
  assert.equal(events.status, 200);
  const recorded = events.body.data.find((e: any) => e.resourceId === 'billing.invoice_paid');
  assert.ok(recorded, 'the change is an audit event');
  assert.equal(recorded.resourceType, 'action');
  assert.equal(recorded.metadata.canonical, true);
  assert.deepEqual(recorded.metadata.previous, { canonical: false, source: 'discovered' });

  // New events keep counting without touching the decision.
  await ingest(p, producer, [event('billing.invoice_paid')]);
  const entry = await waitForCount(p, admin, 'billing.invoice_paid', 4);
  assert.equal(entry.canonical, true);
  assert.equal(entry.source, 'manual');
});

test('PATCH on a never-seen name pre-registers it as a manual canonical entry', async () => {
  const res = await p.request('PATCH', actionPath('billing.refund_issued'), {
    token: admin,
    body: { canonical: true },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    action: 'billing.refund_issued',
    canonical: true,
    source: 'manual',
    tags: [],
    count: 0,
    firstSeenAt: null,
    lastSeenAt: null,
    suggested: false,
  });
  await ingest(p, producer, [event('billing.refund_issued'), event('billing.refund_issued')]);
  const entry = await waitForCount(p, admin, 'billing.refund_issued', 2);
  assert.equal(entry.count, 2);
  assert.equal(entry.source, 'manual');
  assert.ok(entry.firstSeenAt);
});

test('PATCH of a name that breaks the convention is a 400', async () => {
  for (const name of ['Bad Name', 'tenant.member.invited', 'UPPER', 'a/b']) {
    const res = await p.request('PATCH', actionPath(name), { token: admin, body: { canonical: true } });
    assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    const tags = await p.request('PATCH', actionPath(name, '/tags'), { token: admin, body: { tags: [] } });
    assert.equal(tags.status, 400, name);
  }
  const body = await p.request('PATCH', actionPath('billing.invoice_paid'), {
    token: admin,
    body: { canonical: 'yes' },
  });
  assert.equal(body.status, 400);
  const extra = await p.request('PATCH', actionPath('billing.invoice_paid'), {
    token: admin,
    body: { canonical: true, source: 'auto' },
  });
  assert.equal(extra.status, 400);
  const listed = (await inventory(p, admin)).map((a) => a.action);
  assert.ok(!listed.includes('UPPER'));
});

test('tags are validated slugs, at most 20, deduplicated, audited and filterable', async () => {
  const res = await p.request('PATCH', actionPath('billing.invoice_paid', '/tags'), {
    token: admin,
    body: { tags: ['billing', 'pii', 'billing', 'finance-core'] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.tags, ['billing', 'pii', 'finance-core']);
  assert.equal(res.body.canonical, true, 'tags leave the canonical decision alone');

  const bad = [['Billing'], ['has space'], [''], ['-lead'], ['trail-'], ['double--hyphen'], ['a'.repeat(65)]];
  for (const tags of bad) {
    const r = await p.request('PATCH', actionPath('billing.invoice_paid', '/tags'), {
      token: admin,
      body: { tags },
    });
    assert.equal(r.status, 400, JSON.stringify(tags));
  }
  const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`);
  const r21 = await p.request('PATCH', actionPath('billing.invoice_paid', '/tags'), {
    token: admin,
    body: { tags: tooMany },
  });
  assert.equal(r21.status, 400);
  const r20 = await p.request('PATCH', actionPath('hot.clicked', '/tags'), {
    token: admin,
    body: { tags: tooMany.slice(0, 20) },
  });
  assert.equal(r20.status, 200);
  assert.equal(r20.body.tags.length, 20);
  assert.equal(r20.body.source, 'discovered', 'tagging a discovered name does not decide it');

  const tagged = await inventory(p, admin, '?tag=pii');
  assert.deepEqual(
    tagged.map((a) => a.action),
    ['billing.invoice_paid'],
  );
  const audit = await p.request('GET', '/v1/audit/events?action=audit.action_tags_changed', { token: admin });
  const change = audit.body.data.find((e: any) => e.resourceId === 'billing.invoice_paid');
  assert.deepEqual(change?.metadata.tags, ['billing', 'pii', 'finance-core']);
  assert.deepEqual(change?.metadata.previousTags, []);

  // Tags on a never-seen name pre-register it, canonical, like the canonical PATCH.
  const pre = await p.request('PATCH', actionPath('zeta_thing', '/tags'), {
    token: admin,
    body: { tags: ['ops'] },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.body.canonical, true);
  assert.equal(pre.body.source, 'manual');
});

test('the canonical list is sorted and carries tags; filters canonical=true|false', async () => {
  await p.request('PATCH', actionPath('alpha_thing'), { token: admin, body: { canonical: true } });
  const res = await p.request('GET', '/v1/audit/actions/canonical', { token: admin });
  assert.equal(res.status, 200);
  const names = res.body.data.map((a: any) => a.action);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes('alpha_thing') && names.includes('zeta_thing'));
  assert.ok(!names.includes('hot.clicked'));
  assert.deepEqual(
    res.body.data.find((a: any) => a.action === 'billing.invoice_paid'),
    { action: 'billing.invoice_paid', tags: ['billing', 'pii', 'finance-core'] },
  );
  const byTag = await p.request('GET', '/v1/audit/actions/canonical?tag=ops', { token: admin });
  assert.deepEqual(byTag.body.data, [{ action: 'zeta_thing', tags: ['ops'] }]);

  const canonical = await inventory(p, admin, '?canonical=true');
  assert.ok(canonical.length > 0 && canonical.every((a) => a.canonical));
  const undecided = await inventory(p, admin, '?canonical=false');
  assert.ok(undecided.some((a) => a.action === 'hot.clicked'));
  assert.ok(undecided.every((a) => !a.canonical));
  const badFilter = await p.request('GET', '/v1/audit/actions?canonical=maybe', { token: admin });
  assert.equal(badFilter.status, 400);
});

test('drift: discovered-but-not-canonical and canonical names not seen for 30 days', async () => {
  const all = await inventory(p, admin);
  const now = Date.now();
  const fresh = await actionInventoryStats(p.db.pool, TENANT, new Date(now - 30 * 86_400_000));
  assert.equal(fresh.total, all.length);
  assert.equal(fresh.canonical, all.filter((a) => a.canonical).length);
  assert.equal(fresh.discoveredNotCanonical, all.filter((a) => a.source === 'discovered').length);
  assert.ok(fresh.discoveredNotCanonical >= 1);
  assert.equal(fresh.staleCanonical, 0);
  // Thirty-one days later, nothing new arrived: every canonical name is stale.
  const later = await actionInventoryStats(p.db.pool, TENANT, new Date(now + 86_400_000));
  assert.equal(later.staleCanonical, fresh.canonical);
  const otherTenant = await actionInventoryStats(p.db.pool, 't_nobody', new Date(now));
  assert.deepEqual(otherTenant, {
    total: 0,
    canonical: 0,
    discoveredNotCanonical: 0,
    staleCanonical: 0,
    invalidActionCount: 0,
  });
});

test('the OpenAPI document describes the inventory operations', async () => {
  const res = await p.request('GET', '/openapi.json', { token: null });
  assert.equal(res.status, 200);
  assert.ok(res.body.paths['/v1/audit/actions']?.get);
  assert.ok(res.body.paths['/v1/audit/actions/canonical']?.get);
  assert.ok(res.body.paths['/v1/audit/actions/{action}']?.patch);
  assert.ok(res.body.paths['/v1/audit/actions/{action}/tags']?.patch);
});
