import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * Signals and queries of the workflows, shared by the workflows and their callers (API, tests).
 * Signal by workflow id; payloads stay empty: the state they refer to lives in PostgreSQL.
 */

export interface SinkWorkflowInput {
  tenantId: string;
  sinkId: string;
}

/** New events may be waiting (sent, debounced, after an ingest commits). */
export const wakeSignal = defineSignal('wake');
/** The sink's row changed (config, filter, enabled, paused): look again, and retry a config error. */
export const configChangedSignal = defineSignal('configChanged');

export interface SinkWorkflowStatus {
  state: 'delivering' | 'idle' | 'paused' | 'config_error' | 'stopped';
  iteration: number;
  deliveredThisRun: number;
}
export const sinkStatusQuery = defineQuery<SinkWorkflowStatus>('status');
