import { Client, Connection } from '@temporalio/client';
import { HISTORY_EVENT, historyEventType } from '../test/helpers/history.js';
import type { Benchmark } from './lib/benchmark.js';
import { ingestBody } from './lib/events.js';
import { note } from './lib/infra.js';
import { waitCaughtUp } from './lib/kinesis.js';
import { openLoop } from './lib/load.js';
import { fmt, printTable } from './lib/report.js';
import { type SinkBench, startSinkBench, TENANT, WORKSPACE } from './lib/sink-setup.js';

interface HistoryCounts {
  runs: number;
  events: number;
  workflowTasks: number;
  activityTasks: number;
  signals: number;
  /** The newest timer's duration (s): an idle sink waits this long between wake-ups. */
  lastTimerSeconds: number;
}

/** Every run of the sink's workflow (continue-as-new chains included), counted from the server. */
async function countHistory(client: Client, workflowId: string): Promise<HistoryCounts> {
  const counts: HistoryCounts = {
    runs: 0,
    events: 0,
    workflowTasks: 0,
    activityTasks: 0,
    signals: 0,
    lastTimerSeconds: Number.NaN,
  };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    counts.runs++;
    for (const e of history.events ?? []) {
      counts.events++;
      const type = historyEventType(e);
      if (type === HISTORY_EVENT.WORKFLOW_TASK_SCHEDULED) counts.workflowTasks++;
      if (type === HISTORY_EVENT.ACTIVITY_TASK_SCHEDULED) counts.activityTasks++;
      if (type === HISTORY_EVENT.WORKFLOW_EXECUTION_SIGNALED) counts.signals++;
      const timeout = e.timerStartedEventAttributes?.startToFireTimeout?.seconds;
      if (type === HISTORY_EVENT.TIMER_STARTED && timeout !== undefined && timeout !== null)
        counts.lastTimerSeconds = Number(timeout);
    }
  }
  return counts;
}

function diff(a: HistoryCounts, b: HistoryCounts) {
  return {
    events: b.events - a.events,
    workflowTasks: b.workflowTasks - a.workflowTasks,
    activityTasks: b.activityTasks - a.activityTasks,
    signals: b.signals - a.signals,
    runs: b.runs,
  };
}

/** Runs a steady load and answers the history growth per 1,000 delivered events. */
async function underLoad(
  sb: SinkBench,
  client: Client,
  eventsPerSecond: number,
  perPost: number,
  seconds: number,
) {
  const before = await countHistory(client, sb.sink.workflowId);
  const body = ingestBody(TENANT, WORKSPACE, perPost);
  const load = await openLoop(
    eventsPerSecond / perPost,
    seconds * 1000,
    async () => (await sb.ingest(body)).accepted,
  );
  if (load.errors > 0) note(`${load.errors} errors, first: ${load.firstError}`);
  await waitCaughtUp(sb.deployment.api.url, sb.admin, sb.sink.id, 600_000);
  const d = diff(before, await countHistory(client, sb.sink.workflowId));
  const per1000 = (x: number) => fmt((x / load.units) * 1000, 1);
  return [
    `${fmt(eventsPerSecond)} ev/s (${perPost}/POST)`,
    fmt(load.units),
    per1000(d.events),
    per1000(d.workflowTasks),
    per1000(d.activityTasks),
    per1000(d.signals),
    String(d.runs),
  ];
}

/**
 * What one sink costs in Temporal: history events, workflow tasks and activity tasks per 1,000 delivered
 * events under steady load (read from the server's histories across continue-as-new runs), and the
 * workflow tasks an idle sink makes, measured over a window and extrapolated to an hour.
 */
export const temporalCost: Benchmark = {
  name: 'temporal-cost',
  summary: 'workflow history events / workflow tasks / activity tasks per 1,000 events; idle tasks per hour',
  async run(ctx) {
    const seconds = Number(ctx.options.get('seconds') ?? (ctx.quick ? 5 : 60));
    const idleSeconds = Number(ctx.options.get('idle') ?? (ctx.quick ? 10 : 300));
    const sb = await startSinkBench(ctx);
    const connection = await Connection.connect({ address: sb.temporalAddress });
    const client = new Client({ connection });
    try {
      await waitCaughtUp(sb.deployment.api.url, sb.admin, sb.sink.id, 60_000);
      const rows = [
        await underLoad(sb, client, 100, 1, seconds),
        await underLoad(sb, client, 1000, 100, seconds),
      ];
      printTable(
        `Temporal cost per 1,000 delivered events (one Kinesis sink, ${seconds} s of steady load each)`,
        ['load', 'events', 'history events', 'workflow tasks', 'activity tasks', 'signals', 'runs so far'],
        rows,
      );

      // Idle: let the last wake-ups settle, then count over the window.
      await new Promise((r) => setTimeout(r, 3000));
      const before = await countHistory(client, sb.sink.workflowId);
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      const after = await countHistory(client, sb.sink.workflowId);
      const d = diff(before, after);
      const timer = after.lastTimerSeconds;
      printTable(
        `Idle sink (no events for ${idleSeconds} s)`,
        [
          'workflow tasks in window',
          'history events in window',
          'extrapolated tasks/h',
          'idle timer (s)',
          'tasks/h from timer',
        ],
        [
          [
            String(d.workflowTasks),
            String(d.events),
            fmt((d.workflowTasks * 3600) / idleSeconds, 1),
            fmt(timer),
            // A tick is one task for the timer firing (its activity's completion adds a second).
            fmt((3600 / timer) * 2, 1),
          ],
        ],
      );
    } finally {
      await connection.close();
      await sb.close();
    }
  },
};
