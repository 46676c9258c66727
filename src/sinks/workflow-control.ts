import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { sinkDeliveryWorkflow } from '../../workflows/sink-delivery.js';
import { sinkWorkflowId } from '../temporal/ids.js';
import { SINK_ID, SINK_TYPE, TENANT_ID, WORKSPACE_ID } from '../temporal/search-attributes.js';

/** What the API knows about a sink when it talks to its workflow. */
export interface SinkWorkflowRef {
  tenantId: string;
  id: string;
  workspaceId: string;
  name: string;
  type: string;
}

/**
 * The API's side of the delivery workflows. Every start is a signal-with-start, so "start it" and
 * "tell it" are one idempotent call: a running workflow gets the signal, a missing one is started.
 */
export interface SinkWorkflowControl {
  workflowId(tenantId: string, sinkId: string): string;
  /** New events may be waiting (ingest). Starts the workflow if it is missing. */
  wake(sink: SinkWorkflowRef): Promise<void>;
  /** Starts the workflow if it is missing; a running one is left alone (no signal). */
  ensureRunning(sink: SinkWorkflowRef): Promise<void>;
  /** The sink was created, enabled or changed while enabled. */
  changed(sink: SinkWorkflowRef): Promise<void>;
  /** The sink was disabled: a running workflow sees it on its next look and ends. */
  disabled(sink: SinkWorkflowRef): Promise<void>;
  /** The sink is gone: its workflow has nothing left to do. */
  deleted(sink: SinkWorkflowRef): Promise<void>;
}

export function createSinkWorkflowControl(opts: {
  client: Client;
  taskQueue: string;
  idPrefix: string;
}): SinkWorkflowControl {
  const workflowId = (tenantId: string, sinkId: string) => sinkWorkflowId(opts.idPrefix, tenantId, sinkId);

  /** Everything a start needs: the readable id, search attributes and a memo for the Temporal UI. */
  const startOptions = (sink: SinkWorkflowRef) => ({
    workflowId: workflowId(sink.tenantId, sink.id),
    taskQueue: opts.taskQueue,
    args: [{ tenantId: sink.tenantId, sinkId: sink.id }] as Parameters<typeof sinkDeliveryWorkflow>,
    typedSearchAttributes: [
      { key: TENANT_ID, value: sink.tenantId },
      { key: WORKSPACE_ID, value: sink.workspaceId },
      { key: SINK_ID, value: sink.id },
      { key: SINK_TYPE, value: sink.type },
    ],
    memo: { sinkName: sink.name, sinkType: sink.type, workspaceId: sink.workspaceId },
  });

  async function signalWithStart(sink: SinkWorkflowRef, signal: 'wake' | 'configChanged') {
    await opts.client.workflow.signalWithStart<typeof sinkDeliveryWorkflow>('sinkDeliveryWorkflow', {
      ...startOptions(sink),
      signal,
      signalArgs: [],
    });
  }

  async function ignoreMissing(p: Promise<unknown>) {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  return {
    workflowId,
    wake: (sink) => signalWithStart(sink, 'wake'),
    ensureRunning: async (sink) => {
      await opts.client.workflow.start<typeof sinkDeliveryWorkflow>('sinkDeliveryWorkflow', {
        ...startOptions(sink),
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    },
    changed: (sink) => signalWithStart(sink, 'configChanged'),
    disabled: (sink) =>
      ignoreMissing(
        opts.client.workflow.getHandle(workflowId(sink.tenantId, sink.id)).signal('configChanged'),
      ),
    deleted: (sink) =>
      ignoreMissing(
        opts.client.workflow.getHandle(workflowId(sink.tenantId, sink.id)).terminate('the sink was deleted'),
      ),
  };
}
