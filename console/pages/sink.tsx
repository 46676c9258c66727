import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { ErrorMessage, PageError } from '../components/errors';
import { describedBy, Field } from '../components/field';
import { PageHeader } from '../components/page-header';
import { SinkForm } from '../components/sink-form';
import { StatusBadge } from '../components/status';
import { formatTime, Time } from '../components/time';
import { useApi } from '../components/use-api';
import { href, Link, navigate } from '../router';
import type { PageProps } from '../routes';
import { scopeParam } from '../scope';
import { can } from '../session';
import { temporalWorkflowUrl } from '../settings';
import { destinationOf, SINK_TYPE_LABELS } from '../sinks/fields';
import type { DeliveryPage, Sink, SinkDelivery, SinkTestOutcome } from '../types';
import './sinks.css';

const sinkPath = (id: string) => `/v1/audit/sinks/${encodeURIComponent(id)}`;

/** One sink: status and controls, its configuration, replay, and its delivery history. */
export function SinkPage({ session, scope, params, location }: PageProps) {
  const sinkId = params.sinkId ?? '';
  const sink = useApi((signal) => api<Sink>('GET', sinkPath(sinkId), { signal }), [sinkId]);
  const [deliveriesTick, setDeliveriesTick] = useState(0);
  const [notice, setNotice] = useState<string | null>(location.query.get('created') ? 'Sink created.' : null);
  if (sink.error) return <PageError error={sink.error} onRetry={sink.reload} />;
  if (!sink.data) return <p role="status">Loading…</p>;
  const s = sink.data;
  const manage = can(session, 'sinks:manage');
  const refresh = () => {
    sink.reload();
    setDeliveriesTick((t) => t + 1);
  };
  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title={s.name}
        description={
          <>
            {SINK_TYPE_LABELS[s.type]?.title ?? s.type} sink of workspace <code>{s.workspaceId}</code>
          </>
        }
        actions={<StatusBadge status={s.status} />}
      />
      <p>
        <Link href={href('/console/sinks', { ws: scopeParam(scope) })}>← All sinks</Link>
      </p>
      {notice && (
        <p class="alert alert-success" role="status">
          {notice}
        </p>
      )}
      {s.warnings.map((w) => (
        <p key={w} class="alert alert-warning" role="status">
          {w}
        </p>
      ))}
      <StatusPanel sink={s} manage={manage} onChanged={refresh} onNotice={setNotice} />
      {manage ? (
        <SinkForm
          key={s.updatedAt}
          type={s.type}
          workspaceId={s.workspaceId}
          sink={s}
          onSaved={() => {
            setNotice('Changes saved. They apply before the next batch.');
            refresh();
          }}
        />
      ) : (
        <ReadOnlyConfig sink={s} />
      )}
      {manage && <ReplayPanel sink={s} onReplayed={refresh} />}
      <DeliveriesPanel sinkId={s.id} tick={deliveriesTick} onRefresh={refresh} />
      {manage && (
        <DeletePanel sink={s} onDeleted={() => navigate(href('/console/sinks', { ws: scopeParam(scope) }))} />
      )}
    </section>
  );
}

function StatusPanel(props: {
  sink: Sink;
  manage: boolean;
  onChanged: () => void;
  onNotice: (message: string) => void;
}) {
  const { sink } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<SinkTestOutcome | null>(null);
  const workflow = temporalWorkflowUrl(sink.workflowId);

  const run = async (label: string, fn: () => Promise<unknown>, done?: string) => {
    setBusy(label);
    setError(null);
    try {
      await fn();
      if (done) props.onNotice(done);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      props.onChanged();
    }
  };
  const patch = (body: Record<string, boolean>) => api<Sink>('PATCH', sinkPath(sink.id), { body });

  return (
    <section class="panel" aria-labelledby="sink-status-title">
      <div class="panel-header">
        <h2 id="sink-status-title">Delivery</h2>
      </div>
      <div class="panel-body">
        <div class="stat-row">
          <div>
            <p class="stat-label">Destination</p>
            <p class="stat-value destination">
              <code>{destinationOf(sink.type, sink.config)}</code>
            </p>
          </div>
          <div>
            <p class="stat-label">Last delivery</p>
            <p class="stat-value">
              <Time iso={sink.lastDeliveryAt} relativeOnly />
            </p>
          </div>
          <div>
            <p class="stat-label">Lag</p>
            <p class="stat-value" data-testid="sink-lag">
              {sink.lagEvents === 0 ? 'Up to date' : `${sink.lagEvents.toLocaleString('en')} events waiting`}
            </p>
          </div>
        </div>
        {sink.lastError && (
          <div class="alert alert-error" data-testid="sink-last-error">
            <p class="alert-title">Last delivery failed</p>
            <pre class="wrap">
              <code>{sink.lastError}</code>
            </pre>
          </div>
        )}
        <div aria-live="polite">
          {outcome && (
            <div
              class={`alert ${outcome.ok ? 'alert-success' : 'alert-error'}`}
              data-testid="sink-test-outcome"
            >
              <p class="alert-title">{outcome.ok ? 'Test event delivered' : 'Test event not delivered'}</p>
              <p>
                {outcome.ok
                  ? `Event ${outcome.eventId} (audit.sink.test) was accepted in ${outcome.durationMs} ms.`
                  : `${outcome.errorKind === 'config' ? 'The sink cannot work as configured: ' : 'A transient problem: '}${outcome.error ?? ''}`}
              </p>
            </div>
          )}
          {error ? <ErrorMessage error={error} /> : null}
        </div>
      </div>
      <div class="panel-footer">
        {props.manage && (
          <>
            <button
              type="button"
              class="button"
              disabled={busy !== null || !sink.enabled}
              onClick={() =>
                run('test', async () => {
                  setOutcome(null);
                  setOutcome(await api<SinkTestOutcome>('POST', `${sinkPath(sink.id)}/test`));
                })
              }
            >
              {busy === 'test' ? 'Sending…' : 'Send test event'}
            </button>
            {sink.enabled && (
              <button
                type="button"
                class="button"
                disabled={busy !== null}
                onClick={() =>
                  run(
                    'pause',
                    () => patch({ paused: !sink.paused }),
                    sink.paused ? 'Delivery resumed.' : 'Delivery paused: events wait until you resume.',
                  )
                }
              >
                {sink.paused ? 'Resume' : 'Pause'}
              </button>
            )}
            <button
              type="button"
              class="button"
              disabled={busy !== null}
              onClick={() =>
                run(
                  'enable',
                  () => patch({ enabled: !sink.enabled }),
                  sink.enabled
                    ? 'Sink disabled: no event is published to it any more.'
                    : 'Sink enabled: delivery continues from where it stopped.',
                )
              }
            >
              {sink.enabled ? 'Disable' : 'Enable'}
            </button>
          </>
        )}
        <button type="button" class="button button-quiet" onClick={props.onChanged}>
          Refresh
        </button>
        {workflow && (
          <a class="button button-quiet" href={workflow} target="_blank" rel="noreferrer">
            Workflow in Temporal UI
          </a>
        )}
      </div>
    </section>
  );
}

function ReadOnlyConfig({ sink }: { sink: Sink }) {
  const entries = Object.entries(sink.config);
  return (
    <section class="panel" aria-labelledby="sink-config-title">
      <div class="panel-header">
        <h2 id="sink-config-title">Configuration</h2>
      </div>
      <div class="panel-body">
        <dl class="facts">
          {entries.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>
                <code>
                  {v === '***' ? '•••••••• (write-only)' : typeof v === 'string' ? v : JSON.stringify(v)}
                </code>
              </dd>
            </Fragment>
          ))}
          <dt>Filter</dt>
          <dd>
            {sink.filter.actions || sink.filter.tags ? (
              <code>{JSON.stringify(sink.filter)}</code>
            ) : (
              <span class="muted">every event of the workspace</span>
            )}
          </dd>
        </dl>
      </div>
    </section>
  );
}

/** datetime-local (the browser's local time) to an ISO instant; '' stays ''. */
function localToIso(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

function ReplayPanel({ sink, onReplayed }: { sink: Sink; onReplayed: () => void }) {
  const [from, setFrom] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const fieldError = error instanceof ApiError ? error.fieldError('/from') : undefined;
  const replay = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api<{ rewound: boolean; from: string }>('POST', `${sinkPath(sink.id)}/replay`, {
        body: { from: localToIso(from) },
      });
      setResult(
        r.rewound
          ? `Delivery rewound to ${formatTime(r.from)}: those events are delivered again, in order.`
          : 'Nothing delivered so far was received after that time: the cursor stays where it is.',
      );
      onReplayed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={replay} noValidate aria-labelledby="replay-title">
      <div class="panel-header">
        <h2 id="replay-title">Replay</h2>
      </div>
      <div class="panel-body">
        <p class="muted">
          Deliver again every event of the workspace received at or after a time (after a destination lost
          data). Delivery is at least once: the destination may see an event twice; the event id tells.
        </p>
        <Field id="replay-from" label="From (your local time)" error={fieldError}>
          <input
            id="replay-from"
            type="datetime-local"
            step={1}
            value={from}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={describedBy('replay-from', { error: fieldError })}
            onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
          />
        </Field>
        <div aria-live="polite">
          {result && (
            <p class="alert alert-success" data-testid="replay-result">
              {result}
            </p>
          )}
          {error && !fieldError ? <ErrorMessage error={error} /> : null}
        </div>
      </div>
      <div class="panel-footer">
        <button type="submit" class="button" disabled={busy || from === ''}>
          {busy ? 'Replaying…' : 'Replay from this time'}
        </button>
      </div>
    </form>
  );
}

const DELIVERY_LABELS: Record<SinkDelivery['status'], string> = {
  in_progress: 'In progress',
  succeeded: 'Delivered',
  failed: 'Failed',
};

function DeliveriesPanel({
  sinkId,
  tick,
  onRefresh,
}: {
  sinkId: string;
  tick: number;
  onRefresh: () => void;
}) {
  // A stack of cursors: page n was read with cursors[n] (undefined = newest).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useApi(
    (signal) =>
      api<DeliveryPage>('GET', `${sinkPath(sinkId)}/deliveries`, { query: { limit: 20, cursor }, signal }),
    [sinkId, cursor, tick],
  );
  return (
    <section class="panel" aria-labelledby="deliveries-title">
      <div class="panel-header">
        <h2 id="deliveries-title">Delivery history</h2>
        <button type="button" class="button button-small button-quiet" onClick={onRefresh}>
          Refresh
        </button>
      </div>
      {page.error ? (
        <div class="panel-body">
          <ErrorMessage error={page.error} onRetry={page.reload} />
        </div>
      ) : !page.data ? (
        <p class="panel-body" role="status">
          Loading…
        </p>
      ) : page.data.data.length === 0 ? (
        <p class="panel-body muted">No batch delivered yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="deliveries-table">
            <caption class="visually-hidden">Delivery batches, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col" class="numeric">
                  Events
                </th>
                <th scope="col" class="numeric">
                  Attempts
                </th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Error</th>
                <th scope="col">Workflow</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((d) => {
                const link = d.workflowId ? temporalWorkflowUrl(d.workflowId, d.runId) : null;
                return (
                  <tr key={d.id}>
                    <td>
                      <span class={`badge badge-delivery-${d.status}`}>{DELIVERY_LABELS[d.status]}</span>
                    </td>
                    <td class="numeric">{d.eventCount.toLocaleString('en')}</td>
                    <td class="numeric">{d.attempts}</td>
                    <td>
                      <Time iso={d.startedAt} relativeOnly />
                    </td>
                    <td>{d.finishedAt ? <Time iso={d.finishedAt} relativeOnly /> : '—'}</td>
                    <td class="delivery-error">{d.error ?? ''}</td>
                    <td>
                      {link ? (
                        <a href={link} target="_blank" rel="noreferrer">
                          Open run
                        </a>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div class="panel-footer pager">
        <button
          type="button"
          class="button button-small"
          disabled={cursors.length === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          class="button button-small"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors((c) => [...c, page.data!.nextCursor!])}
        >
          Older
        </button>
      </div>
    </section>
  );
}

function DeletePanel({ sink, onDeleted }: { sink: Sink; onDeleted: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', sinkPath(sink.id));
      dialog.current?.close();
      onDeleted();
    } catch (err) {
      setError(err);
      dialog.current?.close();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel panel-danger" aria-labelledby="delete-title">
      <div class="panel-header">
        <h2 id="delete-title">Delete this sink</h2>
      </div>
      <div class="panel-body">
        <p>No event is published to it once deleted; its delivery history goes with it.</p>
        {error ? <ErrorMessage error={error} /> : null}
        <button type="button" class="button button-danger" onClick={() => dialog.current?.showModal()}>
          Delete sink
        </button>
      </div>
      <dialog ref={dialog} aria-labelledby="delete-dialog-title" aria-describedby="delete-dialog-text">
        <div class="dialog-body">
          <h2 id="delete-dialog-title">Delete “{sink.name}”?</h2>
          <p id="delete-dialog-text">
            Events stop going to <code>{destinationOf(sink.type, sink.config)}</code> at once. This cannot be
            undone.
          </p>
        </div>
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="button button-danger-solid" onClick={remove} disabled={busy}>
            {busy ? 'Deleting…' : 'Delete'}
          </button>
        </div>
      </dialog>
    </section>
  );
}
