import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

  test('a short AUDIT_SECRET_KEY and a DATABASE_URL that is no URL are refused before anything starts', () => {
    for (const [name, value] of [
      ['AUDIT_SECRET_KEY', 'short'],
      ['AUDIT_SECRET_KEY', `${Buffer.alloc(32, 1).toString('base64')},short`],
      ['DATABASE_URL', 'garbage'],
      ['DATABASE_URL', 'localhost:5432/audit'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: Error) =>
          err instanceof ConfigError &&
          new RegExp(`^  ${name}: `, 'm').test(err.message) &&
          !err.message.includes(value.slice(-5)),
        `${name}=${value}`,
      );
    }
    const key = Buffer.alloc(32, 7).toString('base64');
    assert.equal(loadConfig({ AUDIT_SECRET_KEY: `${key},${key}` }).secretKey, `${key},${key}`);
    for (const url of ['postgres://a:b@db:5432/audit', 'postgresql://db/audit?sslmode=require']) {
      assert.equal(loadConfig({ DATABASE_URL: url }).database.url, url);
    }
  });

  test('a bad setting stops `npm start` with one line per variable, before PostgreSQL starts', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main/dev.ts'], {
      env: {
        ...process.env,
        AUDIT_SECRET_KEY: 'short',
        DATABASE_URL: 'garbage',
        AUDIT_DATA_DIR: '/nonexistent/x',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /^ {2}AUDIT_SECRET_KEY: expected base64 of 32 random bytes/m);
    assert.match(res.stderr, /^ {2}DATABASE_URL: expected a PostgreSQL connection URL/m);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
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
