import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { VALIDATION_BUG_MESSAGE } from '../../src/http/problem.js';
import {
  describeRequest,
  type FuzzContext,
  loadOperations,
  sampleRequests,
  sendFuzzRequest,
} from '../helpers/fuzz.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/**
 * Bad input never gets a 5xx, and every error is problem+json: a seeded sample of requests over every
 * operation of /openapi.json (FUZZ_SEED and FUZZ_REQUESTS change it; `npm run bench -- fuzz` runs longer).
 * PostgreSQL refusing a value (SQLSTATE class 22) would answer 400, so the logs are checked too: each
 * such line is a value validation let through.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 500);
const TIME_BUDGET_MS = 45_000;

const logged: { level: number; msg: string; sqlstate?: string; err?: { message?: string } }[] = [];
let p: TestPlatform;
let ctx: FuzzContext;

before(async () => {
  const logger = pino(
    { level: 'error' },
    {
      write(line: string) {
        logged.push(JSON.parse(line));
      },
    },
  );
  p = await startTestPlatform({}, { worker: false, logger });
  const tenantId = 't_fuzz';
  const tokens: Record<string, string> = { platform: p.adminToken };
  for (const role of ['producer', 'viewer', 'connector_builder', 'admin', 'tenant_admin'] as const) {
    tokens[role] = await p.createKey({ tenantId, role });
  }
  const sink = await p.request('POST', '/v1/audit/sinks', {
    token: tokens.tenant_admin,
    body: { name: 'fuzz console', type: 'console', workspaceId: 'w_1', config: {} },
  });
  assert.equal(sink.status, 201, JSON.stringify(sink.body));
  const ingested = await p.request('POST', '/v1/audit/events', {
    token: tokens.producer,
    body: { actorKind: 'user', action: 'discovery.run_started', workspaceId: 'w_1' },
  });
  assert.equal(ingested.status, 202);
  ctx = {
    tokens,
    knownIds: {
      sinkId: [sink.body.id],
      action: ['discovery.run_started'],
      tenantId: [tenantId],
      workspaceId: ['w_1'],
    },
  };
});
after(() => p?.stop());

test('every operation of /openapi.json: bad input gets 4xx problem+json, never a 5xx', async () => {
  const ops = await loadOperations(p.url);
  assert.ok(ops.length >= 20, `operations: ${ops.length}`);
  const requests = sampleRequests(ops, ctx, REQUESTS, SEED);
  const violations: string[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  let sent = 0;
  for (const req of requests) {
    if (performance.now() - started > TIME_BUDGET_MS) break;
    const outcome = await sendFuzzRequest(p.url, ctx, req);
    sent++;
    statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    if (outcome.violation) violations.push(`${describeRequest(req)} → ${outcome.violation}`);
    if (outcome.dataException)
      violations.push(`${describeRequest(req)} → PostgreSQL refused a value (class 22)`);
  }
  const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  assert.ok(sent >= Math.min(REQUESTS, 150), `only ${sent} requests within the time budget`);
  assert.deepEqual(violations.slice(0, 20), [], `seed ${SEED}, ${sent} requests: ${summary.join(' ')}`);
  const bugs = logged.filter((l) => l.msg === VALIDATION_BUG_MESSAGE || l.msg === 'unhandled error');
  assert.deepEqual(
    bugs.map((l) => `${l.msg} ${l.sqlstate ?? ''} ${l.err?.message ?? ''}`),
    [],
    'no value reached PostgreSQL that it refuses, and no error went unhandled',
  );
  // Most requests must get past authentication and reach validation or the handler.
  assert.ok((statuses.get(400) ?? 0) > sent / 10, summary.join(' '));
});
