import { api } from '../api';
import { PageError } from '../components/errors';
import { PageHeader } from '../components/page-header';
import { StatusBadge } from '../components/status';
import { Time } from '../components/time';
import { useApi } from '../components/use-api';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { apiWorkspaceId } from '../scope';
import type { Sink } from '../types';

// Skeleton: the Sinks pages (forms, deliveries, replay) are built on branch h16-console-b.

export function SinksPage({ scope }: PageProps) {
  const sinks = useApi(
    (signal) =>
      api<{ data: Sink[] }>('GET', '/v1/audit/sinks', {
        query: { workspaceId: apiWorkspaceId(scope) },
        signal,
      }),
    [scope.kind, apiWorkspaceId(scope)],
  );
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Sinks" description="Where this workspace’s events are delivered." />
      {sinks.error ? (
        <PageError error={sinks.error} onRetry={sinks.reload} />
      ) : sinks.data ? (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Workspace</th>
                <th scope="col">Status</th>
                <th scope="col">Lag</th>
              </tr>
            </thead>
            <tbody>
              {sinks.data.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/console/sinks/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  </td>
                  <td>{s.type}</td>
                  <td>
                    <code>{s.workspaceId}</code>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{s.lagEvents}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {sinks.data.data.length === 0 && <p class="empty">No sinks yet.</p>}
        </div>
      ) : (
        <p role="status">Loading…</p>
      )}
    </section>
  );
}

export function SinkPage({ params }: PageProps) {
  const sink = useApi(
    (signal) => api<Sink>('GET', `/v1/audit/sinks/${encodeURIComponent(params.sinkId ?? '')}`, { signal }),
    [params.sinkId],
  );
  if (sink.error) return <PageError error={sink.error} onRetry={sink.reload} />;
  if (!sink.data) return <p role="status">Loading…</p>;
  const s = sink.data;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={s.name} description={`${s.type} sink of workspace ${s.workspaceId}`} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={s.status} />
        </dd>
        <dt>Last delivery</dt>
        <dd>
          <Time iso={s.lastDeliveryAt} />
        </dd>
        <dt>Lag</dt>
        <dd>{s.lagEvents} events</dd>
      </dl>
    </section>
  );
}
