import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { connectClient } from '../src/temporal/connection.js';

describe('configuration', () => {
  test('defaults follow SPEC', () => {
    const c = loadConfig({});
    assert.equal(c.http.port, 3000);
    assert.equal(c.temporal.namespace, 'default');
    assert.equal(c.dataDir, './.data');
    assert.equal(c.region, 'eu-west-1');
    assert.equal(c.allowPrivateSinkHosts, false);
    assert.equal(c.logEvents, false);
    assert.equal(c.actions.maxSegments, 2);
    assert.equal(loadConfig({ AWS_REGION: 'us-east-2' }).region, 'us-east-2');
    assert.equal(
      loadConfig({ AWS_REGION: 'us-east-2', AUDIT_REGION: 'eu-central-1' }).region,
      'eu-central-1',
    );
  });

  test('invalid values are refused with the variable named', () => {
    for (const env of [
      { PORT: 'eighty' },
      { AUDIT_LOG_EVENTS: 'maybe' },
      { AUDIT_JWT_JWKS_URL: 'not a url' },
    ]) {
      assert.throws(
        () => loadConfig(env),
        (err: Error) => err instanceof ConfigError && err.message.includes(Object.keys(env)[0]!),
      );
    }
  });

  test('a Temporal client certificate needs its key', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/etc/tls/client.pem' }),
      /TEMPORAL_TLS_KEY_PATH/,
    );
    const c = loadConfig({
      TEMPORAL_TLS_CERT_PATH: '/a.pem',
      TEMPORAL_TLS_KEY_PATH: '/a.key',
      TEMPORAL_NAMESPACE: 'prod.acct',
    });
    assert.deepEqual(c.temporal.tls, {
      certPath: '/a.pem',
      keyPath: '/a.key',
      caPath: undefined,
      serverName: undefined,
    });
    assert.equal(c.temporal.namespace, 'prod.acct');
  });

  test('an unreadable Temporal certificate stops start-up with a message naming the variable', async () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem',
      TEMPORAL_TLS_KEY_PATH: '/nonexistent/client.key',
    });
    await assert.rejects(
      connectClient({ ...c.temporal, address: c.temporal.address! }),
      /TEMPORAL_TLS_CERT_PATH at \/nonexistent\/client\.pem/,
    );
  });
});
