import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { createStream, kinesisClient, readStream, startKinesalite } from '../sinks/kinesis-helpers.js';
import { type PlatformProcess, startPlatformProcess } from './platform-process.js';
import { waitFor } from './wait.js';

/**
 * The scale-out proof (issue 9): 2 API and 2 worker processes, separate OS processes, on one
 * PostgreSQL and one Temporal server; load through both APIs into one Kinesis sink per tenant; one
 * worker SIGKILLed mid-run and restarted. Used by test/scale and by `npm run bench -- scale-out`.
 */
export interface ScaleOutOptions {
  databaseUrl: string;
  temporalAddress: string;
  workflowBundlePath: string;
  tenants: number;
  eventsPerTenant: number;
  batchSize: number;
  /** Requests in flight at once, spread over both APIs. */
  concurrency: number;
  log?: (message: string) => void;
}

export interface ScaleOutResult {
  ingested: number;
  /** Distinct events found in the stream. */
  delivered: number;
  /** Records beyond the first of each event (re-sent batches). */
  duplicates: number;
  missing: number;
  /** Tenants whose stream order (first occurrences) differs from their ingest order. */
  outOfOrderTenants: string[];
  ingestSeconds: number;
  /** From the first POST until every event was readable in the stream. */
  deliverySeconds: number;
  killedWorkerAfterEvents: number;
  /** The killed worker was running a sink's drainSink activity (a batch possibly in flight). */
  killedBusyWorker: boolean;
  /** Running workflow executions per sink at the end (must be 1 each). */
  runningWorkflowsPerSink: number[];
  /** Schedule ids of this deployment (each must exist once, whatever the number of workers). */
  schedules: string[];
  /** Largest batch a sink driver may send: duplicates stay within in-flight batches of this size. */
  maxBatchEvents: number;
}

const STREAM = 'scale-out';

const ACTION = 'scale.tested';

/** A worker with a started drainSink activity of one of these workflows (identity is pid@host). */
async function busyWorker(
  temporal: Client,
  workflowIds: string[],
  workers: PlatformProcess[],
  withinMs: number,
): Promise<PlatformProcess | undefined> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    for (const id of workflowIds) {
      const { raw } = await temporal.workflow.getHandle(id).describe();
      for (const activity of raw.pendingActivities ?? []) {
        const pid = Number(activity.lastWorkerIdentity?.split('@')[0]);
        const worker = workers.find((w) => w.pid() === pid);
        if (worker && activity.lastStartedTime) return worker;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

export async function runScaleOut(opts: ScaleOutOptions): Promise<ScaleOutResult> {
  const log = opts.log ?? (() => {});
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const kinesalite = await startKinesalite();
    cleanups.push(() => kinesalite.close());
    const kinesis = kinesisClient(kinesalite.endpoint);
    const streamArn = await createStream(kinesis, STREAM, 2);

    const dataDir = await mkdtemp(join(tmpdir(), 'audit-scale-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const taskQueue = `scale-${randomBytes(5).toString('hex')}`;
    const adminToken = `pt_scale_${randomBytes(16).toString('hex')}`;
    const env = {
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_TEMPORAL_ID_PREFIX: `${taskQueue}:`,
      AUDIT_ADMIN_TOKEN: adminToken,
      AUDIT_SECRET_KEY: randomBytes(32).toString('base64'),
      AUDIT_DATA_DIR: dataDir,
      AUDIT_WORKFLOW_BUNDLE: opts.workflowBundlePath,
      AWS_ENDPOINT_URL_KINESIS: kinesalite.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AUDIT_REGION: 'us-east-1',
      LOG_LEVEL: 'warn',
    };
    const start = (entry: 'api' | 'worker') => startPlatformProcess({ entry, env });
    const connection = await Connection.connect({ address: opts.temporalAddress });
    cleanups.push(() => connection.close());
    const temporal = new Client({ connection });
    const processes: PlatformProcess[] = [];
    cleanups.push(() => Promise.all(processes.map((p) => p.stop())));
    // Workers first, one after the other: both race to create the schedules at start-up.
    const workers = await Promise.all([start('worker'), start('worker')]);
    processes.push(...workers);
    const apis = await Promise.all([start('api'), start('api')]);
    processes.push(...apis);
    log(`2 API processes (${apis.map((a) => a.port).join(', ')}) and 2 workers started`);

    const call = async (
      api: PlatformProcess,
      token: string,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json().catch(() => null)) as any;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    const tenants = Array.from({ length: opts.tenants }, (_, i) => `t_scale_${i}`);
    const producer = (await call(apis[0]!, adminToken, 'POST', '/v1/admin/api-keys', { role: 'producer' }))
      .key;
    const sinkIds: string[] = [];
    const workflowIds: string[] = [];
    for (const tenantId of tenants) {
      const admin = (
        await call(apis[1]!, adminToken, 'POST', '/v1/admin/api-keys', { tenantId, role: 'admin' })
      ).key;
      const sink = await call(apis[0]!, admin, 'POST', '/v1/audit/sinks', {
        name: `scale ${tenantId}`,
        type: 'kinesis',
        workspaceId: 'w',
        config: { streamArn },
        filter: { actions: [ACTION] },
      });
      sinkIds.push(sink.id);
      workflowIds.push(`${taskQueue}:sink:${tenantId}:${sink.id}`);
    }

    // Batches interleave tenants and alternate between the two APIs.
    const batches: unknown[][] = [];
    for (let offset = 0; offset < opts.eventsPerTenant; offset += opts.batchSize) {
      for (const tenantId of tenants) {
        const n = Math.min(opts.batchSize, opts.eventsPerTenant - offset);
        batches.push(
          Array.from({ length: n }, (_, i) => ({
            id: `${tenantId}-${String(offset + i).padStart(7, '0')}`,
            tenantId,
            workspaceId: 'w',
            actorKind: 'system',
            action: ACTION,
          })),
        );
      }
    }
    const ingested = opts.tenants * opts.eventsPerTenant;
    const readRecords = async () =>
      (await readStream(kinesis, STREAM))
        .map((r) => JSON.parse(r.data))
        .filter((e) => e.action === ACTION)
        .map((e) => ({ id: e.id as string, tenantId: e.tenantId as string }));
    let posted = 0;
    const post = async (part: unknown[][]) => {
      let next = 0;
      const lane = async (n: number) => {
        for (let i = next++; i < part.length; i = next++) {
          await call(apis[(i + n) % 2]!, producer, 'POST', '/v1/audit/events', { events: part[i] });
          posted += part[i]!.length;
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, (_, n) => lane(n)));
    };
    const started = Date.now();
    // The first half, then the kill right away, while its delivery is in flight, then the rest.
    await post(batches.slice(0, Math.floor(batches.length / 2)));
    // Kill the worker that is publishing a batch right now, if Temporal shows one within a few seconds.
    const busy = await busyWorker(temporal, workflowIds, workers, 5000);
    const victim = busy ?? workers[0]!;
    const killedAfter = posted;
    log(
      `SIGKILL the worker ${busy ? 'running a drainSink activity' : '(none was busy)'} after ${posted} events accepted`,
    );
    await victim.kill();
    const restarted = new Promise((r) => setTimeout(r, 2000)).then(() => victim.start());
    await post(batches.slice(Math.floor(batches.length / 2)));
    const ingestSeconds = (Date.now() - started) / 1000;
    log(`ingested ${ingested} events in ${ingestSeconds.toFixed(1)} s`);
    await restarted;
    log('the killed worker restarted');

    let records: Array<{ id: string; tenantId: string }> = [];
    await waitFor(
      'every event in the stream',
      async () => {
        records = await readRecords();
        return new Set(records.map((r) => r.id)).size >= ingested;
      },
      180_000,
      500, // each poll reads the whole stream
    ).catch(() => log('not every event arrived within 180 s'));
    const deliverySeconds = (Date.now() - started) / 1000;

    const db = new pg.Client({ connectionString: opts.databaseUrl });
    await db.connect();
    const outOfOrderTenants: string[] = [];
    let missing = 0;
    try {
      for (const tenantId of tenants) {
        const { rows } = await db.query<{ id: string }>(
          'select id from audit_events where tenant_id = $1::text and action = $2::text order by txid, seq',
          [tenantId, ACTION],
        );
        const seen = new Set<string>();
        const firstOccurrences = records
          .filter((r) => r.tenantId === tenantId && !seen.has(r.id) && seen.add(r.id))
          .map((r) => r.id);
        missing += rows.filter((r) => !seen.has(r.id)).length;
        if (firstOccurrences.join() !== rows.map((r) => r.id).join()) outOfOrderTenants.push(tenantId);
      }
    } finally {
      await db.end();
    }
    const delivered = new Set(records.map((r) => r.id)).size;

    const runningWorkflowsPerSink: number[] = [];
    for (const sinkId of sinkIds) {
      let running = 0;
      for await (const _ of temporal.workflow.list({
        query: `AuditSinkId = '${sinkId}' AND ExecutionStatus = 'Running'`,
      })) {
        running++;
      }
      runningWorkflowsPerSink.push(running);
    }
    const schedules: string[] = [];
    for await (const s of temporal.schedule.list())
      if (s.scheduleId.startsWith(`${taskQueue}:`)) schedules.push(s.scheduleId);
    for (const id of schedules) await temporal.schedule.getHandle(id).delete();
    return {
      ingested,
      delivered,
      duplicates: records.length - delivered,
      missing,
      outOfOrderTenants,
      ingestSeconds,
      deliverySeconds,
      killedWorkerAfterEvents: killedAfter,
      killedBusyWorker: busy !== undefined,
      runningWorkflowsPerSink,
      schedules,
      maxBatchEvents: 500,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}
