import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Hono } from 'hono';
import { pino } from 'pino';
import { createErrorHandler, VALIDATION_BUG_MESSAGE } from '../../src/http/problem.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The last line behind validation: when PostgreSQL itself refuses a value (SQLSTATE class 22, a data
 * exception), the client still gets a 400 problem+json (it sent bad input) and the log says loudly that
 * validation missed something. The errors are real ones from PostgreSQL.
 */
let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db?.drop());

test('a PostgreSQL data exception answers 400 problem+json and is logged as a validation bug', async () => {
  const logged: { level: number; msg: string; sqlstate?: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const app = new Hono();
  app.get('/year-zero', async (c) =>
    c.json((await db.pool.query('select $1::timestamptz', ['0000-01-01'])).rows),
  );
  app.get('/nul', async (c) => c.json((await db.pool.query('select $1::text', ['a\u0000b'])).rows));
  app.get('/not-a-number', async (c) => c.json((await db.pool.query('select $1::int', ['x'])).rows));
  app.get('/syntax', async (c) => c.json((await db.pool.query('selec 1')).rows));
  app.onError(createErrorHandler(logger));

  for (const [path, sqlstate] of [
    ['/year-zero', '22008'],
    ['/nul', '22021'],
    ['/not-a-number', '22P02'],
  ] as const) {
    const res = await app.request(path);
    assert.equal(res.status, 400, path);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = (await res.json()) as { type: string; title: string; status: number; detail: string };
    assert.equal(body.status, 400);
    assert.equal(body.type, '/problems/validation-error');
    assert.ok(!/\bat \S+:\d+/.test(body.detail), 'no stack trace');
    const line = logged.find((l) => l.sqlstate === sqlstate);
    assert.ok(line, `logged ${sqlstate}: ${JSON.stringify(logged)}`);
    assert.equal(line.msg, VALIDATION_BUG_MESSAGE);
    assert.equal(line.level, 50, 'logged as an error');
  }
  // Other database errors are not mistaken for bad input.
  assert.equal((await app.request('/syntax')).status, 500);
});
