import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpSinkConfig } from '../../src/domain/sink.js';
import { createHttpDriver, parseRetryAfter, signingSecrets } from '../../src/sinks/http.js';
import { signatureHeader } from '../../src/sinks/http-signature.js';
import { s3ObjectKey } from '../../src/sinks/s3.js';
import { createSsrfGuard } from '../../src/sinks/ssrf-guard.js';
import { escapeSdValue, facilityCode, octetCountingFrame } from '../../src/sinks/syslog-message.js';
import { verifyAuditSignature } from './receivers.js';

test('Retry-After: delta seconds, an HTTP date, garbage, and the cap', () => {
  const now = Date.parse('2026-04-28T07:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Tue, 28 Apr 2026 07:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 28 Apr 2026 06:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
  assert.equal(parseRetryAfter('86400', now), 600_000);
});

test('rotation: the previous secret signs until it expires, and a new rotation replaces it', () => {
  const driver = createHttpDriver({ guard: createSsrfGuard({ allowPrivate: false }) });
  const base: HttpSinkConfig = { url: 'https://siem.example.com/', secret: 'a'.repeat(16) };
  const now = new Date('2026-04-28T07:00:00Z');
  const rotated = driver.prepareUpdate!({ ...base, secret: 'b'.repeat(16) }, base, now);
  assert.equal(rotated.previousSecret, 'a'.repeat(16));
  assert.equal(rotated.previousSecretExpiresAt, '2026-04-29T07:00:00.000Z');
  assert.deepEqual(signingSecrets(rotated, now.getTime()), ['b'.repeat(16), 'a'.repeat(16)]);
  assert.deepEqual(signingSecrets(rotated, Date.parse('2026-04-29T07:00:01Z')), ['b'.repeat(16)]);
  // Unchanged secret: the overlap is kept as it is.
  assert.deepEqual(
    driver.prepareUpdate!({ ...rotated, timeoutMs: 5000 }, rotated, now).previousSecret,
    'a'.repeat(16),
  );
  // Another rotation: only the secret just replaced overlaps.
  const again = driver.prepareUpdate!({ ...rotated, secret: 'c'.repeat(16) }, rotated, now);
  assert.equal(again.previousSecret, 'b'.repeat(16));
  // Removing the secret ends signing, overlap included.
  const { secret: _, ...unsigned } = rotated;
  assert.equal(driver.prepareUpdate!(unsigned, rotated, now).previousSecret, undefined);
});

test('the signature header verifies with the README snippet, for each secret during a rotation', () => {
  const body = '{"id":"1"}\n';
  const t = Math.floor(Date.now() / 1000);
  const headers = {
    'x-audit-signature': signatureHeader(['new-secret-0123456', 'old-secret-0123456'], t, body),
  };
  assert.equal(verifyAuditSignature('new-secret-0123456', headers, body), true);
  assert.equal(verifyAuditSignature('old-secret-0123456', headers, body), true);
  assert.equal(verifyAuditSignature('other-secret-01234', headers, body), false);
  assert.equal(verifyAuditSignature('new-secret-0123456', headers, `${body} `), false);
  const stale = { 'x-audit-signature': signatureHeader(['new-secret-0123456'], t - 3600, body) };
  assert.equal(verifyAuditSignature('new-secret-0123456', stale, body), false);
});

test('syslog pieces: SD-PARAM escaping, facilities, octet counting in bytes', () => {
  assert.equal(escapeSdValue('a"b\\c]d[e'), 'a\\"b\\\\c\\]d[e');
  assert.equal(facilityCode(undefined), 16);
  assert.equal(facilityCode('kern'), 0);
  assert.equal(facilityCode('audit'), 13);
  assert.equal(facilityCode('local7'), 23);
  assert.equal(octetCountingFrame('ü').toString('utf8'), '2 ü');
});

test('the s3 key is a function of the batch range alone', () => {
  const batch = {
    batchId: 'snk_1-100-5',
    tenantId: 't_1',
    workspaceId: 'w_1',
    sinkId: 'snk_1',
    events: [{ occurredAt: '2026-04-28T23:59:59.999+02:00' }] as never,
    lines: [],
    first: { txid: '101', seq: 6 },
    last: { txid: '105', seq: 90 },
  };
  const key = 'audit/tenant=t_1/workspace=w_1/date=2026-04-28/hour=21/snk_1-100-5.105-90.jsonl.gz';
  assert.equal(s3ObjectKey(batch, 'audit/'), key);
  assert.equal(s3ObjectKey({ ...batch }, 'audit/'), key);
});
