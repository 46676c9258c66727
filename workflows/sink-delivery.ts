import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  configChangedSignal,
  type SinkWorkflowInput,
  type SinkWorkflowStatus,
  sinkStatusQuery,
  wakeSignal,
} from './definitions.js';

const { drainSink } = proxyActivities<Activities>({
  // drainSink returns after ~20 s of work at most; the rest is headroom for one slow batch.
  startToCloseTimeout: '3 minutes',
  // It heartbeats every few seconds while it runs, so a dead worker is noticed quickly.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    // No maximumAttempts: unlimited. The sink's own state (disabled, deleted) ends the retries.
    nonRetryableErrorTypes: ['SinkConfigError'],
  },
});

/** Fallback wake-up when no signal comes: bounds the cost of an idle sink (2 workflow tasks a tick). */
const IDLE_WAIT = '5 minutes';
/** Rows exist that an older open transaction still hides: look again soon. */
const PENDING_WAIT = '1 second';
/** A config error waits for a PATCH (configChanged), or retries after this long anyway. */
const CONFIG_ERROR_WAIT = '30 minutes';
const PAUSED_WAIT = '1 hour';
/** Iterations per run before continuing as new, whatever the history size says. */
const MAX_ITERATIONS = 500;

function isConfigError(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === 'SinkConfigError'
  );
}

/**
 * One per sink, for as long as the sink is enabled. It carries only ids: the cursor lives in the
 * sink's row and moves in the same transaction that records a delivered batch, and the activity
 * reads event bodies itself. Each drainSink call delivers many batches, so the history grows by a
 * handful of events per ~20 s of delivery, not per batch.
 */
export async function sinkDeliveryWorkflow(input: SinkWorkflowInput): Promise<void> {
  let woken = false;
  let configChanged = false;
  const status: SinkWorkflowStatus = { state: 'delivering', iteration: 0, deliveredThisRun: 0 };
  setHandler(wakeSignal, () => {
    woken = true;
  });
  setHandler(configChangedSignal, () => {
    configChanged = true;
    woken = true;
  });
  setHandler(sinkStatusQuery, () => status);

  for (; status.iteration < MAX_ITERATIONS; status.iteration++) {
    // Cleared before the activity: a signal that arrives while it runs makes the next wait return at once.
    woken = false;
    configChanged = false;
    status.state = 'delivering';
    let result: Awaited<ReturnType<typeof drainSink>>;
    try {
      result = await drainSink(input);
    } catch (err) {
      if (!isConfigError(err)) throw err;
      status.state = 'config_error';
      await condition(() => configChanged, CONFIG_ERROR_WAIT);
      continue;
    }
    status.deliveredThisRun += result.delivered;

    if (result.state === 'gone' || result.state === 'disabled') {
      // A re-enable may have raced with this answer; its signal is already here if so.
      if (configChanged) continue;
      status.state = 'stopped';
      return;
    }
    if (result.state === 'paused') {
      status.state = 'paused';
      await condition(() => configChanged, PAUSED_WAIT);
    } else if (result.state === 'caught_up') {
      status.state = 'idle';
      await condition(() => woken, result.pending ? PENDING_WAIT : IDLE_WAIT);
    }
    // 'more': the activity stopped at its time budget with work left; go straight on.
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof sinkDeliveryWorkflow>(input);
}
