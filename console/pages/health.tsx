import { ApiError, api } from '../api';
import { ErrorMessage, PageError } from '../components/errors';
import { PageHeader } from '../components/page-header';
import { StatusBadge } from '../components/status';
import { Time } from '../components/time';
import { type Series, TrendChart } from '../components/trend-chart';
import { useApi } from '../components/use-api';
import { href, Link, navigate, withQuery } from '../router';
import type { PageProps } from '../routes';
import { apiWorkspaceId, scopeParam } from '../scope';
import type { AuditMetrics, MetricsSnapshot, Sink } from '../types';
import './health.css';

const WINDOWS = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
type Window = keyof typeof WINDOWS;

/** Events per minute between consecutive snapshots (the counter's slope), from the stored totals. */
export function eventRate(snapshots: MetricsSnapshot[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < snapshots.length; i++) {
    const a = snapshots[i - 1]!;
    const b = snapshots[i]!;
    const minutes = (Date.parse(b.takenAt) - Date.parse(a.takenAt)) / 60_000;
    if (minutes > 0)
      out.push([Date.parse(b.takenAt), Math.max(0, (b.events.total - a.events.total) / minutes)]);
  }
  return out.map(([t, v]) => [t, Math.round(v * 10) / 10]);
}

/** Each sink's lag over time (at most six sinks, the laggiest). */
export function lagSeries(snapshots: MetricsSnapshot[], names: Map<string, string>): Series[] {
  const bySink = new Map<string, Array<[number, number]>>();
  for (const s of snapshots) {
    for (const sink of s.sinks) {
      const points = bySink.get(sink.id) ?? [];
      points.push([Date.parse(s.takenAt), sink.lagEvents]);
      bySink.set(sink.id, points);
    }
  }
  return [...bySink.entries()]
    .sort((a, b) => Math.max(...b[1].map((p) => p[1])) - Math.max(...a[1].map((p) => p[1])))
    .slice(0, 6)
    .map(([id, points]) => ({ name: names.get(id) ?? id, points }));
}

/** Delivery and inventory at a glance, then the trends of the stored metrics snapshots. */
export function HealthPage({ scope, location }: PageProps) {
  const workspaceId = apiWorkspaceId(scope);
  const requested = location.query.get('window') as Window | null;
  const window: Window = requested && requested in WINDOWS ? requested : '6h';
  const metrics = useApi(
    (signal) => api<AuditMetrics>('GET', '/v1/audit/metrics', { query: { workspaceId }, signal }),
    [scope.kind, workspaceId],
  );
  const sinks = useApi(
    (signal) => api<{ data: Sink[] }>('GET', '/v1/audit/sinks', { query: { workspaceId }, signal }),
    [scope.kind, workspaceId],
  );
  const history = useApi(
    (signal) =>
      api<{ data: MetricsSnapshot[] }>('GET', '/v1/audit/metrics/history', {
        query: { from: new Date(Date.now() - WINDOWS[window]).toISOString(), limit: 2000 },
        signal,
      }),
    [window],
  );
  const names = new Map((sinks.data?.data ?? []).map((s) => [s.id, s.name]));

  if (metrics.error) return <PageError error={metrics.error} onRetry={metrics.reload} />;
  const m = metrics.data;
  const failing = m?.sinks.filter((s) => s.status === 'failing') ?? [];
  const lagging = m?.sinks.filter((s) => s.status === 'active' && s.lagEvents > 0) ?? [];

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Health"
        description="Event volume, inventory drift and delivery at a glance."
        actions={
          <button
            type="button"
            class="button button-quiet"
            onClick={() => {
              metrics.reload();
              sinks.reload();
              history.reload();
            }}
          >
            Refresh
          </button>
        }
      />
      {!m ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <DeliveryVerdict total={m.sinks.length} failing={failing.length} lagging={lagging.length} />
          <div class="stat-cards">
            <Stat label="Events stored" value={m.events.total} testId="events-total" />
            <Stat label="Last 24 hours" value={m.events.last24h} testId="events-24h" />
            <Stat label="Actions discovered" value={m.actions.discovered} />
            <Stat label="Canonical actions" value={m.actions.canonical} />
            <Stat
              label="Invalid action names"
              value={m.actions.invalidActionCount}
              note="Events whose action breaks the naming convention"
              warn={m.actions.invalidActionCount > 0}
            />
            <Stat
              label="Drift"
              value={m.actions.drift.discoveredNotCanonical + m.actions.drift.staleCanonical}
              note={`${m.actions.drift.discoveredNotCanonical} undecided, ${m.actions.drift.staleCanonical} canonical not seen in 30 days`}
            />
          </div>
          <p class="muted generated">
            Figures as of <Time iso={m.generatedAt} />.
          </p>
          <SinkHealthTable metrics={m} names={names} scopeParam={scopeParam(scope)} />
        </>
      )}
      <section class="panel" aria-labelledby="trends-title">
        <div class="panel-header">
          <h2 id="trends-title">Trends</h2>
          <fieldset class="segmented">
            <legend class="visually-hidden">Time window</legend>
            {(Object.keys(WINDOWS) as Window[]).map((w) => (
              <button
                key={w}
                type="button"
                class={`button button-small${w === window ? ' button-selected' : ''}`}
                aria-pressed={w === window}
                onClick={() => navigate(withQuery(location, { window: w }), { replace: true })}
              >
                {w}
              </button>
            ))}
          </fieldset>
        </div>
        <div class="panel-body">
          {history.error ? (
            history.error instanceof ApiError && history.error.status === 403 ? (
              <p class="muted">
                Snapshots are kept per tenant: trends are shown to tenant-wide credentials only.
              </p>
            ) : (
              <ErrorMessage error={history.error} onRetry={history.reload} />
            )
          ) : !history.data ? (
            <p role="status">Loading…</p>
          ) : (
            <>
              <h3 class="chart-title">Events received per minute (whole tenant)</h3>
              <TrendChart
                id="chart-events"
                label="Events received per minute"
                unit="events/min"
                series={[{ name: 'Events', points: eventRate(history.data.data) }]}
              />
              <h3 class="chart-title">Delivery lag by sink</h3>
              <TrendChart
                id="chart-lag"
                label="Delivery lag by sink"
                unit="events waiting"
                series={lagSeries(history.data.data, names)}
              />
            </>
          )}
        </div>
      </section>
    </section>
  );
}

function DeliveryVerdict({ total, failing, lagging }: { total: number; failing: number; lagging: number }) {
  if (total === 0)
    return (
      <p class="alert alert-info" data-testid="delivery-verdict">
        No sink is connected: events are stored and searchable, and delivered nowhere else.
      </p>
    );
  if (failing > 0)
    return (
      <p class="alert alert-error" data-testid="delivery-verdict">
        {failing} of {total} sinks {failing === 1 ? 'is' : 'are'} failing: events wait for them and are
        retried with backoff. Open a sink for its last error.
      </p>
    );
  return (
    <p class="alert alert-success" data-testid="delivery-verdict">
      {total === 1 ? 'The sink is' : `All ${total} sinks are`} healthy
      {lagging > 0 ? ` (${lagging} catching up)` : ''}.
    </p>
  );
}

function Stat(props: { label: string; value: number; note?: string; warn?: boolean; testId?: string }) {
  return (
    <div class={`stat-card${props.warn ? ' stat-card-warn' : ''}`}>
      <p class="stat-label">{props.label}</p>
      <p class="stat-value" data-testid={props.testId}>
        {props.value.toLocaleString('en')}
      </p>
      {props.note && <p class="stat-note">{props.note}</p>}
    </div>
  );
}

function SinkHealthTable({
  metrics,
  names,
  scopeParam: ws,
}: {
  metrics: AuditMetrics;
  names: Map<string, string>;
  scopeParam: string;
}) {
  if (metrics.sinks.length === 0) return null;
  return (
    <>
      <h2 class="health-sinks-title" id="health-sinks-title">
        Sinks
      </h2>
      <div class="table-wrap health-sinks">
        <table class="table" data-testid="health-sinks" aria-labelledby="health-sinks-title">
          <thead>
            <tr>
              <th scope="col">Sink</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col" class="numeric">
                Lag
              </th>
              <th scope="col" class="numeric">
                Delivered
              </th>
              <th scope="col" class="numeric">
                Failed attempts
              </th>
              <th scope="col">Last delivery</th>
            </tr>
          </thead>
          <tbody>
            {metrics.sinks.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={href(`/console/sinks/${encodeURIComponent(s.id)}`, { ws })}>
                    {names.get(s.id) ?? s.id}
                  </Link>
                </td>
                <td>{s.type}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td class="numeric">{s.lagEvents.toLocaleString('en')}</td>
                <td class="numeric">{s.delivered.toLocaleString('en')}</td>
                <td class="numeric">{s.failed.toLocaleString('en')}</td>
                <td>
                  <Time iso={s.lastDeliveryAt} relativeOnly />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
