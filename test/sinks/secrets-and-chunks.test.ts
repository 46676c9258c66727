import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createKeyring, openSecret, SecretKeyError, sealSecret } from '../../src/crypto/secrets.js';
import { mergeConfig, openConfig, redactConfig, sealConfig } from '../../src/sinks/config-secrets.js';
import { chunkRecords, KINESIS_MAX_BYTES, parseStreamArn } from '../../src/sinks/kinesis.js';

const key = () => randomBytes(32).toString('base64');

test('secrets: AES-256-GCM round trip, fresh IV each time, tampering detected', () => {
  const ring = createKeyring(key());
  const a = sealSecret(ring, 'hunter2');
  const b = sealSecret(ring, 'hunter2');
  assert.notEqual(a, b);
  assert.ok(!a.includes('hunter2'));
  assert.equal(openSecret(ring, a), 'hunter2');
  const parts = a.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0]! ^= 1;
  assert.throws(() => openSecret(ring, [...parts.slice(0, 3), body.toString('base64url')].join('.')));
  // The key id is authenticated too: relabelling a value to another key fails.
  const other = createKeyring(`${key()},${ring.current.key.toString('base64')}`);
  assert.throws(() => openSecret(other, [parts[0], other.current.id, parts[2], parts[3]].join('.')));
});

test('secrets: rotation keeps old values readable and seals new ones under the new key', () => {
  const oldKey = key();
  const newKey = key();
  const before = createKeyring(oldKey);
  const sealedOld = sealSecret(before, 'ext-id');
  const rotated = createKeyring(`${newKey},${oldKey}`);
  assert.equal(openSecret(rotated, sealedOld), 'ext-id');
  const sealedNew = sealSecret(rotated, 'ext-id');
  assert.equal(sealedNew.split('.')[1], rotated.current.id);
  assert.notEqual(rotated.current.id, before.current.id);
  assert.throws(() => openSecret(before, sealedNew), SecretKeyError);
  assert.throws(() => createKeyring('too-short'), SecretKeyError);
});

test('sink configs: secret fields sealed, shown as ***, kept by a PATCH that sends *** back', () => {
  const ring = createKeyring(key());
  const plain = {
    streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s',
    roleArn: 'r',
    externalId: 'x-1',
  };
  const stored = sealConfig(ring, 'kinesis', plain);
  assert.ok(!JSON.stringify(stored).includes('x-1'));
  assert.deepEqual(openConfig(ring, 'kinesis', stored), plain);
  assert.deepEqual(redactConfig('kinesis', stored), { ...plain, externalId: '***' });
  assert.deepEqual(mergeConfig('kinesis', plain, { externalId: '***', roleArn: 'r2' }), {
    ...plain,
    roleArn: 'r2',
  });
  assert.deepEqual(mergeConfig('kinesis', plain, { externalId: null }), {
    streamArn: plain.streamArn,
    roleArn: 'r',
  });
});

test('kinesis: calls of at most 500 records and 5 MiB, in order', () => {
  const small = Array.from({ length: 1201 }, (_, i) => ({ Data: Buffer.from(String(i)), PartitionKey: 't' }));
  const chunks = chunkRecords(small);
  assert.deepEqual(
    chunks.map((c) => c.length),
    [500, 500, 201],
  );
  assert.deepEqual(chunks.flat(), small);
  const big = Array.from({ length: 12 }, () => ({ Data: Buffer.alloc(1000 * 1024), PartitionKey: 'tenant' }));
  const bigChunks = chunkRecords(big);
  for (const c of bigChunks) {
    const bytes = c.reduce((n, r) => n + (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0), 0);
    assert.ok(bytes <= KINESIS_MAX_BYTES, `${bytes}`);
  }
  assert.deepEqual(
    bigChunks.map((c) => c.length),
    [5, 5, 2],
  );
  assert.deepEqual(parseStreamArn('arn:aws:kinesis:ap-south-1:123456789012:stream/a.b_c'), {
    arn: 'arn:aws:kinesis:ap-south-1:123456789012:stream/a.b_c',
    region: 'ap-south-1',
    name: 'a.b_c',
  });
});
