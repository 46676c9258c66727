import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createPool, type Pool } from '../src/db/pool.js';
import { readSinkLog } from '../src/db/sink-log.js';
import type { Benchmark } from './lib/benchmark.js';
import { note } from './lib/infra.js';
import { createStream, kinesisClient, sinkLag, waitCaughtUp } from './lib/kinesis.js';
import { fmt, printTable } from './lib/report.js';
import { ingestBacklog, type SinkBench, startSinkBench, TENANT, WORKSPACE } from './lib/sink-setup.js';

/** A local HTTP receiver standing in for a SIEM's collector: counts the NDJSON lines it is sent. */
async function startReceiver() {
  let lines = 0;
  const server = createServer((req, res) => {
    let count = 0;
    req.on('data', (c: Buffer) => {
      for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) count++;
    });
    req.on('end', () => {
      lines += count;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    lines: () => lines,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The log read: the delivery engine's own batch query (wire lines built, filter evaluated) run page after
 * page over the workspace, 500 rows a page, one connection; with `send`, each page is then sent before
 * the next is read (no bookkeeping, no overlap). Alone, it is what a sink reading the log one batch at a
 * time could do at best, whatever it publishes to; with a send, what it could do without a cursor or a
 * delivery history.
 */
async function readLoop(
  pool: Pool,
  send?: (lines: string[]) => Promise<void>,
): Promise<{ events: number; seconds: number; pages: string[][] }> {
  const started = performance.now();
  let after = { txid: '0', seq: 0 };
  let events = 0;
  const pages: string[][] = [];
  for (;;) {
    const page = await readSinkLog(pool, {
      tenantId: TENANT,
      workspaceId: WORKSPACE,
      after,
      filter: {},
      limit: 500,
    });
    if (page.length === 0) break;
    const lines = page.map((e) => e.line);
    if (send) await send(lines);
    pages.push(lines);
    events += page.length;
    after = page.at(-1)!.position;
  }
  return { events, seconds: (performance.now() - started) / 1000, pages };
}

/** Sends lines as the HTTP driver does (one NDJSON POST, keep-alive), to a receiver that must answer 2xx. */
function httpSender(url: URL, agent: Agent) {
  return (lines: string[]) => {
    const payload = Buffer.from(`${lines.join('\n')}\n`);
    return new Promise<void>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'content-length': payload.length },
        },
        (r) => r.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
}

/** Sends lines as the Kinesis driver does: one PutRecords call, one record a line. */
function kinesisSender(client: KinesisClient, stream: string, arn: string) {
  return async (lines: string[]) => {
    const out = await client.send(
      new PutRecordsCommand({
        StreamARN: arn,
        StreamName: stream,
        Records: lines.map((line) => ({ Data: Buffer.from(line, 'utf8'), PartitionKey: TENANT })),
      }),
    );
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} raw records failed`);
  };
}

/** Seconds to send every chunk, one call at a time. */
async function sendLoop(chunks: string[][], send: (lines: string[]) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (const chunk of chunks) await send(chunk);
  return (performance.now() - started) / 1000;
}

/**
 * Drains a backlog through one Kinesis sink (kinesalite) and, when the HTTP driver exists, one HTTP
 * sink (a local receiver): the sinks are created paused, the backlog is ingested, then each sink is
 * resumed alone and timed until its lag is zero. Beside each, a raw loop sends the same records (read
 * back from the database) with the same client, 500 a call, one call at a time as the driver does;
 * the log read loop, reading the same batches with the engine's query; and the two in turn (read a
 * page, send it, read the next): a sink with no cursor, no history and no overlap.
 */
export const delivery: Benchmark = {
  name: 'delivery',
  summary: 'events/s draining a 100,000-event backlog through a Kinesis and an HTTP sink vs a raw loop',
  async run(ctx) {
    const backlog = Number(ctx.options.get('events') ?? (ctx.quick ? 5000 : 100_000));
    const sb = await startSinkBench(ctx, { paused: true });
    const receiver = await startReceiver();
    const pool = createPool(sb.databaseUrl, 2);
    try {
      const res = await fetch(`${sb.deployment.api.url}/v1/audit/sinks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sb.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'bench http',
          type: 'http',
          workspaceId: WORKSPACE,
          config: { url: receiver.url },
          paused: true,
        }),
      });
      const httpSink = res.status === 201 ? ((await res.json()) as { id: string }) : null;
      if (!httpSink)
        note(`no HTTP sink (${res.status} ${(await res.text()).slice(0, 200)}): its row is skipped`);

      const started = performance.now();
      await ingestBacklog(sb, backlog);
      note(`ingested ${fmt(backlog)} events in ${fmt((performance.now() - started) / 1000, 1)} s`);
      const lag = await sinkLag(sb.deployment.api.url, sb.admin, sb.sink.id);

      const rows: string[][] = [];
      const kinesis = await drain(sb, pool, 'kinesis', sb.sink.id);
      // The log read loop also yields the records the raw loops send: the same wire lines, 500 a page.
      const logRead = await readLoop(pool);
      const chunks = logRead.pages;
      const events = logRead.events;

      const raw = kinesisClient(sb.kinesisEndpoint);
      const rawStream = `raw-${Date.now()}`;
      const toKinesis = kinesisSender(raw, rawStream, await createStream(raw, rawStream));
      const rawKinesisSeconds = await sendLoop(chunks, toKinesis);
      const kinesisReadSend = await readLoop(pool, toKinesis);
      raw.destroy();
      rows.push(
        row(
          'Kinesis (kinesalite)',
          events,
          kinesis.seconds,
          rawKinesisSeconds,
          kinesis.cpuSeconds,
          logRead,
          kinesisReadSend,
        ),
      );

      if (httpSink) {
        const http = await drain(sb, pool, 'http', httpSink.id);
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const toReceiver = httpSender(new URL(receiver.url), agent);
        const rawHttpSeconds = await sendLoop(chunks, toReceiver);
        const httpReadSend = await readLoop(pool, toReceiver);
        agent.destroy();
        rows.push(
          row(
            'HTTP (local receiver)',
            events,
            http.seconds,
            rawHttpSeconds,
            http.cpuSeconds,
            logRead,
            httpReadSend,
          ),
        );
      } else {
        rows.push(['HTTP', '-', 'not available', '', '', '', '', '', '']);
      }
      printTable(
        `Draining a backlog of ${fmt(backlog)} events (lag before resume: ${fmt(lag)}; one sink at a time; API + worker processes)`,
        [
          'sink',
          'events',
          'sink events/s',
          'sink s',
          'raw loop events/s',
          'sink/raw',
          'worker CPU ms/1k ev',
          'log read events/s',
          'read+send loop events/s',
        ],
        rows,
      );
    } finally {
      await pool.end();
      await receiver.close();
      await sb.close();
    }
  },
};

/** Resumes a paused sink and times it until its lag is zero: wall seconds, and the worker's CPU seconds. */
async function drain(sb: SinkBench, pool: Pool, label: string, sinkId: string) {
  const worker = sb.deployment.worker!;
  const cpuBefore = await worker.cpuSeconds();
  await sb.patchSink({ paused: false }, sinkId);
  const seconds = await waitCaughtUp(sb.deployment.api.url, sb.admin, sinkId, 1_800_000);
  const cpuSeconds = (await worker.cpuSeconds()) - cpuBefore;
  note(`${label} batches span ${(await batchSpan(pool, sinkId)).toFixed(2)} s of ${seconds.toFixed(2)} s`);
  return { seconds, cpuSeconds };
}

/** Seconds from the first batch's attempt to the last batch's completion, from the delivery history. */
async function batchSpan(pool: Pool, sinkId: string): Promise<number> {
  const { rows } = await pool.query<{ seconds: number }>(
    `select extract(epoch from max(finished_at) - min(started_at))::float8 as seconds
     from audit_sink_deliveries where sink_id = $1::text`,
    [sinkId],
  );
  return rows[0]!.seconds;
}

type Loop = { events: number; seconds: number };

function row(
  label: string,
  events: number,
  sinkSeconds: number,
  rawSeconds: number,
  cpuSeconds: number,
  logRead: Loop,
  readSend: Loop,
) {
  const sink = events / sinkSeconds;
  const raw = events / rawSeconds;
  return [
    label,
    fmt(events),
    fmt(sink),
    fmt(sinkSeconds, 1),
    fmt(raw),
    `${fmt((sink / raw) * 100)}%`,
    fmt((cpuSeconds * 1e6) / events),
    fmt(logRead.events / logRead.seconds),
    fmt(readSend.events / readSend.seconds),
  ];
}
