import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config.js';

// No Docker engine runs here, so the topology is checked statically against the code it deploys.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** Compose interpolation: ${VAR:?msg} and ${VAR:-default} resolved with sample values. */
function interpolate(value: string, sample: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::[?-]([^}]*))?\}/g,
    (_, name: string, fallback?: string) => sample[name] ?? fallback ?? '',
  );
}

const SAMPLE = {
  AUDIT_ADMIN_TOKEN: 'pt_sample',
  AUDIT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
};

function envOf(name: string): Record<string, string> {
  const env = services[name].environment as Record<string, string>;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), SAMPLE)]));
}

describe('docker-compose.yml', () => {
  test('holds the production-like topology', () => {
    for (const name of [
      'postgres',
      'temporal-postgres',
      'temporal',
      'temporal-ui',
      'api',
      'worker',
      'localstack',
    ]) {
      assert.ok(services[name], `service ${name}`);
    }
    assert.match(services.temporal.image, /^temporalio\/auto-setup:/, 'official image with schema setup');
    assert.match(services['temporal-ui'].image, /^temporalio\/ui:/);
    assert.deepEqual(services.localstack.profiles, ['aws-local'], 'AWS stand-ins only under a profile');
  });

  test('every dependency names a service that has a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries((service.depends_on ?? {}) as Record<string, any>)) {
        assert.ok(services[dep], `${name} depends on unknown ${dep}`);
        assert.equal(spec.condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
        assert.ok(services[dep].healthcheck, `${dep} has a health check`);
      }
    }
    assert.deepEqual(Object.keys(services.api.depends_on).sort(), ['postgres', 'temporal']);
    assert.deepEqual(Object.keys(services.worker.depends_on).sort(), ['postgres', 'temporal']);
    assert.deepEqual(Object.keys(services.temporal.depends_on), ['temporal-postgres']);
  });

  for (const tier of ['api', 'worker']) {
    test(`${tier}: built from the Dockerfile, runs its entry point, env matches the config schema`, () => {
      const service = services[tier];
      assert.equal(service.build, '.');
      const entry = service.command.at(-1) as string;
      assert.match(entry, /^dist\/src\/main\/(api|worker)\.js$/);
      assert.ok(
        existsSync(entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
        `${entry} is compiled from a source file`,
      );
      const env = envOf(tier);
      for (const key of Object.keys(env))
        assert.ok(ENV_VARIABLES.includes(key), `${tier}: ${key} is not a setting`);
      const config = loadConfig(env);
      assert.ok(config.database.url && config.temporal.address, 'no embedded dependency in production');

      const db = new URL(config.database.url);
      assert.ok(services[db.hostname], `DATABASE_URL host ${db.hostname} is a service`);
      const pg = services[db.hostname].environment;
      assert.equal(db.username, pg.POSTGRES_USER);
      assert.equal(db.password, pg.POSTGRES_PASSWORD);
      assert.equal(db.pathname.slice(1), pg.POSTGRES_DB);

      const [host, port] = config.temporal.address!.split(':');
      assert.equal(host, 'temporal');
      assert.ok(services.temporal.ports.some((p: string) => p.endsWith(`:${port}`)));

      const probe = service.healthcheck.test.join(' ');
      assert.ok(probe.includes(`127.0.0.1:${config.http.port}/readyz`), `${tier} probes its own port`);
    });
  }

  test('API and worker agree on the secrets, the task queue and the database', () => {
    const api = envOf('api');
    const worker = envOf('worker');
    for (const key of [
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'AUDIT_ADMIN_TOKEN',
      'AUDIT_SECRET_KEY',
    ]) {
      assert.equal(api[key], worker[key], key);
    }
    assert.match(String(services.api.environment.AUDIT_ADMIN_TOKEN), /:\?/, 'a missing token fails fast');
  });

  test('published ports: API, Temporal frontend and UI', () => {
    assert.ok(services.api.ports.includes('3000:3000'));
    assert.ok(services.temporal.ports.includes('7233:7233'));
    assert.ok(services['temporal-ui'].ports.includes('8080:8080'));
    assert.equal(services['temporal-ui'].environment.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  test('named volumes exist for both databases', () => {
    for (const name of ['postgres', 'temporal-postgres']) {
      const [volume] = services[name].volumes[0].split(':');
      assert.ok(compose.volumes && volume in compose.volumes, volume);
    }
  });
});

describe('Dockerfile', () => {
  test('multi-stage, builds with npm run build, runs as non-root with a health check', () => {
    assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2);
    assert.match(dockerfile, /^RUN npm run build$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(
      dockerfile,
      /AUDIT_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/,
      'workflows pre-bundled',
    );
    assert.match(dockerfile, /COPY --from=build \/app\/dist/);
  });

  test('the image workflow bundle variable is a setting', () => {
    assert.ok(ENV_VARIABLES.includes('AUDIT_WORKFLOW_BUNDLE'));
  });
});
