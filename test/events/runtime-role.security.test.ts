import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { urlAs } from '../../src/db/runtime-role.js';
import { createLogger } from '../../src/logger.js';
import { prepareDatabase } from '../../src/runtime/database.js';
import { startPlatform } from '../../src/runtime/platform.js';
import {
  createTestDatabase,
  TEST_RUNTIME_PASSWORD,
  TEST_RUNTIME_ROLE,
  type TestDatabase,
} from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';

// Append-only must hold against the application's own credential: the runtime role may INSERT and
// SELECT events and nothing more. Every route to changing a stored event is tried as that role, each
// in a transaction of its own, and each must be refused by PostgreSQL (42501, insufficient privilege).
const TAMPER_ROUTES: Array<[string, string[]]> = [
  [
    'DISABLE TRIGGER, then UPDATE',
    [
      'alter table audit_events disable trigger audit_events_no_update_delete',
      "update audit_events set action = 'tampered' where id = 'immutable'",
    ],
  ],
  [
    'DISABLE TRIGGER ALL',
    ['alter table audit_events disable trigger all', "delete from audit_events where id = 'immutable'"],
  ],
  [
    'session_replication_role = replica, then DELETE',
    ['set session_replication_role = replica', "delete from audit_events where id = 'immutable'"],
  ],
  [
    'replace the trigger function, then UPDATE',
    [
      `create or replace function audit_events_refuse_change() returns trigger language plpgsql as $$
       begin return coalesce(new, old); end $$`,
      "update audit_events set action = 'tampered' where id = 'immutable'",
    ],
  ],
  ['drop the trigger function', ['drop function audit_events_refuse_change() cascade']],
  ['drop the trigger', ['drop trigger audit_events_no_update_delete on audit_events']],
  ['UPDATE', ["update audit_events set action = 'tampered' where id = 'immutable'"]],
  ['DELETE', ["delete from audit_events where id = 'immutable'"]],
  ['TRUNCATE', ['truncate audit_events']],
  ['take ownership', ['alter table audit_events owner to current_user']],
  ['act as the owner', ['set role postgres', "delete from audit_events where id = 'immutable'"]],
  [
    'grant itself UPDATE, then UPDATE',
    [
      'grant update on audit_events to current_user',
      "update audit_events set action = 'tampered' where id = 'immutable'",
    ],
  ],
  ['create in the schema', ['create table audit_shadow (x int)']],
];

async function assertTamperingRefused(runtimeUrl: string, owner: pg.Pool | TestDatabase['ownerPool']) {
  const before = await owner.query("select * from audit_events where id = 'immutable'");
  assert.equal(before.rows.length, 1);
  for (const [route, statements] of TAMPER_ROUTES) {
    const client = new pg.Client({ connectionString: runtimeUrl });
    await client.connect();
    try {
      await client.query('begin');
      await assert.rejects(
        (async () => {
          for (const sql of statements) await client.query(sql);
        })(),
        (err: { code?: string; message: string }) => {
          assert.equal(err.code, '42501', `${route}: ${err.message}`);
          return true;
        },
        `${route} is refused`,
      );
      await client.query('rollback');
    } finally {
      await client.end();
    }
  }
  const afterRows = await owner.query("select * from audit_events where id = 'immutable'");
  assert.deepEqual(afterRows.rows, before.rows, 'the event is unchanged');
  const triggers = await owner.query(
    `select tgname, tgenabled from pg_trigger where tgrelid = 'audit_events'::regclass and not tgisinternal order by 1`,
  );
  assert.deepEqual(triggers.rows, [
    { tgname: 'audit_events_no_truncate', tgenabled: 'O' },
    { tgname: 'audit_events_no_update_delete', tgenabled: 'O' },
  ]);
}

const INSERT_IMMUTABLE = `insert into audit_events (tenant_id, id, occurred_at, actor_kind, action, action_valid)
  values ('t_rr', 'immutable', now(), 'user', 'a.b', true)`;

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
  // The runtime role writes the event: INSERT is one of the two things it may do on the table.
  await db.pool.query(INSERT_IMMUTABLE);
});
after(() => db.drop());

test('the test databases run as a runtime role that owns nothing and is no superuser', async () => {
  const { rows } = await db.pool.query(
    `select current_user as role, r.rolsuper, r.rolcreaterole, r.rolcreatedb, pg_get_userbyid(c.relowner) as owner
     from pg_roles r, pg_class c where r.rolname = current_user and c.oid = 'audit_events'::regclass`,
  );
  assert.equal(rows[0].role, TEST_RUNTIME_ROLE);
  assert.equal(rows[0].rolsuper, false);
  assert.equal(rows[0].rolcreaterole, false);
  assert.equal(rows[0].rolcreatedb, false);
  assert.notEqual(rows[0].owner, TEST_RUNTIME_ROLE);
  const privileges = await db.pool.query<{ p: string }>(
    `select p from unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
     where has_table_privilege('audit_events', p)`,
  );
  assert.deepEqual(
    privileges.rows.map((r) => r.p),
    ['select', 'insert'],
  );
});

test('every table of the schema is in the runtime grants (a new table needs its line in the grant function)', async () => {
  const { rows } = await db.pool.query<{ table: string }>(
    `select c.relname as table from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
       and not has_table_privilege(c.oid, 'select')`,
  );
  assert.deepEqual(rows, []);
});

test('the runtime role cannot change or remove a stored event by any route', async () => {
  await assertTamperingRefused(db.url, db.ownerPool);
});

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; problem?: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40) };
}

test('a runtime connection that could change events is warned about at start; the runtime role is not', async () => {
  const asOwner = capturingLogger();
  await prepareDatabase({ pool: db.ownerPool, logger: asOwner.logger });
  assert.equal(asOwner.warnings().length, 1);
  assert.match(asOwner.warnings()[0]!.msg, /superuser: it could change or remove stored events/);

  const asRuntime = capturingLogger();
  await prepareDatabase({ pool: db.pool, migrationUrl: db.ownerUrl, logger: asRuntime.logger });
  assert.deepEqual(asRuntime.warnings(), []);
});

test('the runtime role may not apply a pending migration; it says so and changes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'audit-migrations-'));
  try {
    await writeFile(join(dir, '999_extra.sql'), 'create table audit_extra (x int);');
    await assert.rejects(
      migrate(db.pool, dir),
      /1 migration\(s\) pending \(999_extra\).*DATABASE_MIGRATION_URL/,
    );
    const { rows } = await db.ownerPool.query(`select to_regclass('audit_extra') as t`);
    assert.equal(rows[0].t, null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testEnv('AUDIT_TEST_ADMIN_DATABASE_URL') });
  await admin.connect();
  await admin.query(sql).finally(() => admin.end());
}

test('npm run migrate: the owner migrates an empty database and grants the runtime role, which then starts', async () => {
  const name = `audit_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(`create database ${name}`);
  const ownerUrl = new URL(testEnv('AUDIT_TEST_ADMIN_DATABASE_URL'));
  ownerUrl.pathname = `/${name}`;
  const runtimeUrl = urlAs(ownerUrl.toString(), TEST_RUNTIME_ROLE, TEST_RUNTIME_PASSWORD);
  const runtime = new pg.Pool({ connectionString: runtimeUrl, max: 1 });
  try {
    // Before: the runtime role cannot migrate a fresh database itself, and says why.
    await assert.rejects(migrate(runtime), /pending .*DATABASE_MIGRATION_URL/);
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/main/migrate.ts'],
        {
          env: {
            ...process.env,
            DATABASE_URL: '',
            DATABASE_MIGRATION_URL: ownerUrl.toString(),
            AUDIT_DB_RUNTIME_ROLE: TEST_RUNTIME_ROLE,
            LOG_LEVEL: 'info',
          },
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout),
      ),
    );
    assert.match(output, /database migrated/);
    assert.deepEqual(await migrate(runtime), [], 'nothing left to apply, read by the runtime role');
    const privileges = await runtime.query<{ p: string }>(
      `select p from unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
       where has_table_privilege('audit_events', p)`,
    );
    assert.deepEqual(
      privileges.rows.map((r) => r.p),
      ['select', 'insert'],
    );
    await runtime.query(INSERT_IMMUTABLE);
  } finally {
    await runtime.end().catch(() => {});
    await asAdmin(`drop database if exists ${name} with (force)`).catch(() => {});
  }
});

test('the embedded default migrates as the superuser and serves as audit_app, a separate login', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'audit-embedded-roles-'));
  await chmod(dataDir, 0o755);
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TEMPORAL_ADDRESS: testEnv('AUDIT_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
    AUDIT_DATA_DIR: dataDir,
    AUDIT_ADMIN_TOKEN: `pt_test_${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'silent',
  });
  const platform = await startPlatform(config, createLogger('silent'), {
    api: true,
    worker: false,
    embedded: true,
  });
  try {
    assert.equal(platform.databaseEmbedded, true);
    const pgDir = join(dataDir, 'postgres');
    const runtimePassword = (await readFile(join(pgDir, 'runtime-password'), 'utf8')).trim();
    assert.equal((await stat(join(pgDir, 'runtime-password'))).mode & 0o777, 0o600);
    const port = (await readFile(join(pgDir, 'cluster', 'postmaster.pid'), 'utf8')).split('\n')[3]!.trim();
    const superPassword = (await readFile(join(pgDir, 'password'), 'utf8')).trim();
    const ownerUrl = `postgres://postgres:${encodeURIComponent(superPassword)}@127.0.0.1:${port}/audit`;
    const runtimeUrl = `postgres://audit_app:${encodeURIComponent(runtimePassword)}@127.0.0.1:${port}/audit`;

    // A request that reads and writes (the key and its audit.api_key_created event).
    const res = await fetch(`${platform.apiUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 't_rr', role: 'producer' }),
    });
    assert.equal(res.status, 201);

    const owner = new pg.Pool({ connectionString: ownerUrl, max: 1 });
    try {
      const { rows } = await owner.query<{ usename: string }>(
        `select distinct usename from pg_stat_activity where application_name = 'audit-platform' and datname = 'audit'`,
      );
      assert.deepEqual(
        rows.map((r) => r.usename),
        ['audit_app'],
        'the platform connects as audit_app',
      );
      const role = await owner.query(
        `select rolsuper, rolcreaterole, rolcreatedb, rolinherit from pg_roles where rolname = 'audit_app'`,
      );
      assert.deepEqual(role.rows, [
        { rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolinherit: false },
      ]);
      await owner.query(INSERT_IMMUTABLE.replace('t_rr', 't_embedded'));
      await assertTamperingRefused(runtimeUrl, owner);
    } finally {
      await owner.end();
    }
  } finally {
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
