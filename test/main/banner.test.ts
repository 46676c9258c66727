import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bannerLines } from '../../src/main/banner.js';

const base = {
  apiUrl: 'http://localhost:3000',
  healthUrl: 'http://localhost:3000',
  temporalAddress: '127.0.0.1:7233',
  temporalUiUrl: 'http://127.0.0.1:8233',
  databaseEmbedded: true,
};

test('the banner points at the token file when the token was generated', () => {
  const text = bannerLines({ ...base, adminTokenSource: '/srv/.data/admin-token' }).join('\n');
  assert.match(text, /the token is in \/srv\/\.data\/admin-token/);
  assert.match(
    text,
    /Bearer \$\(cat \/srv\/\.data\/admin-token\)" http:\/\/localhost:3000\/v1\/admin\/api-keys/,
  );
});

test('with AUDIT_ADMIN_TOKEN from the environment, the banner says so and never prints $(cat AUDIT_ADMIN_TOKEN)', () => {
  const text = bannerLines({ ...base, adminTokenSource: 'AUDIT_ADMIN_TOKEN' }).join('\n');
  assert.match(text, /the token is the value of AUDIT_ADMIN_TOKEN/);
  assert.match(text, /Bearer \$AUDIT_ADMIN_TOKEN" http:\/\/localhost:3000/);
  assert.doesNotMatch(text, /\$\(cat/);
});

test('a worker-only process says where its health checks and /metrics answer', () => {
  const text = bannerLines({
    ...base,
    apiUrl: null,
    healthUrl: 'http://localhost:9464',
    temporalUiUrl: null,
    databaseEmbedded: false,
    adminTokenSource: 'AUDIT_ADMIN_TOKEN',
  }).join('\n');
  assert.match(text, /http:\/\/localhost:9464\/healthz/);
  assert.match(text, /http:\/\/localhost:9464\/metrics/);
  assert.match(text, /Temporal:\s+127\.0\.0\.1:7233/);
  assert.doesNotMatch(text, /API:|Try:/);
});
