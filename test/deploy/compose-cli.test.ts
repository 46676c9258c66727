import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

// The compose files as Compose itself reads them (`docker compose config` or Debian's
// docker-compose), when one of them is installed: .ci/run installs docker-compose when missing.
async function composeCommand(): Promise<string[] | null> {
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(candidate[0]!, [...candidate.slice(1), 'version']);
      return candidate;
    } catch {}
  }
  return null;
}
const compose = await composeCommand();

type Service = {
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  healthcheck?: { test: string[] };
  ports?: (string | { target: number; published: number | string })[];
  image?: string;
};

async function composeConfig(files: string[], profiles: string[] = []): Promise<Record<string, Service>> {
  const args = [
    ...compose!.slice(1),
    ...files.flatMap((f) => ['-f', f]),
    ...profiles.flatMap((p) => ['--profile', p]),
    'config',
  ];
  const { stdout } = await run(compose![0]!, args, {
    env: {
      ...process.env,
      AUDIT_ADMIN_TOKEN: 'pt_sample',
      AUDIT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  });
  return (parse(stdout) as { services: Record<string, Service> }).services;
}

describe('docker compose config', {
  skip: !compose && 'neither docker compose nor docker-compose is installed',
}, () => {
  test('the main file is valid; api and worker restart and probe their readiness', async () => {
    const services = await composeConfig(['docker-compose.yml']);
    // docker compose v2 leaves inactive profiles out; docker-compose 1.29 lists them with their profile.
    const localstack = services.localstack as (Service & { profiles?: string[] }) | undefined;
    assert.ok(!localstack || localstack.profiles?.includes('aws-local'), 'LocalStack only under its profile');
    for (const [name, port] of [
      ['api', 3000],
      ['worker', 3001],
    ] as const) {
      const service = services[name]!;
      assert.equal(service.restart, 'unless-stopped', name);
      assert.ok(service.healthcheck?.test.join(' ').includes(`127.0.0.1:${port}/readyz`), name);
      assert.equal(service.environment?.PORT, String(port));
      for (const key of Object.keys(service.environment ?? {}))
        assert.doesNotMatch(key, /^AWS_ENDPOINT_URL/, `${name}: real AWS without the aws-local file`);
    }
  });

  test('with the aws-local file and profile, the sinks of api and worker point at LocalStack', async () => {
    const services = await composeConfig(
      ['docker-compose.yml', 'docker-compose.aws-local.yml'],
      ['aws-local'],
    );
    const localstack = services.localstack!;
    assert.ok(localstack.healthcheck, 'LocalStack reports when its resources exist');
    const published = (localstack.ports ?? []).map((p) =>
      typeof p === 'string' ? p : `${p.published}:${p.target}`,
    );
    assert.ok(published.some((p) => p.endsWith(':4566')));
    for (const name of ['api', 'worker']) {
      const env = services[name]!.environment!;
      for (const key of ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_STS']) {
        assert.equal(env[key], 'http://localstack:4566', `${name} ${key}`);
      }
      assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY, `${name}: dummy credentials`);
      assert.equal(env.AUDIT_REGION, env.AWS_REGION);
      assert.equal(services[name]!.depends_on?.localstack?.condition, 'service_healthy');
      // The main file's settings survive the merge.
      assert.equal(env.DATABASE_URL, 'postgres://audit:audit@postgres:5432/audit');
      assert.equal(services[name]!.restart, 'unless-stopped');
    }
  });
});

describe('aws-local resources and the image', () => {
  test('the LocalStack init hook creates the stream and bucket the override documents', () => {
    const hook = 'deploy/localstack/ready.d/create-audit-resources.sh';
    assert.ok(statSync(hook).mode & 0o111, 'executable');
    const script = readFileSync(hook, 'utf8');
    const override = readFileSync('docker-compose.aws-local.yml', 'utf8');
    assert.match(script, /create-stream --stream-name audit\b/);
    assert.match(script, /s3 mb s3:\/\/audit-archive\b/);
    assert.match(override, /stream\/audit\b/);
    assert.match(override, /bucket audit-archive\b/);
    const main = parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    assert.ok(
      main.services.localstack?.volumes?.some((v) =>
        v.startsWith('./deploy/localstack/ready.d:/etc/localstack/init/ready.d'),
      ),
    );
  });

  test('the image runs the current Node LTS (24) while the code supports Node >= 20.19', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
    assert.equal((dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS /gm) ?? []).length, 2, 'both stages');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    assert.equal(pkg.engines.node, '>=20.19');
    const readme = readFileSync('README.md', 'utf8');
    assert.match(readme, /Node\.js 20\.19/, 'the README names the supported versions');
  });
});
