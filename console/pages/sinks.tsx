import { useState } from 'preact/hooks';
import { api } from '../api';
import { PageError } from '../components/errors';
import { PageHeader } from '../components/page-header';
import { SinkForm } from '../components/sink-form';
import { StatusBadge } from '../components/status';
import { Time } from '../components/time';
import { useApi } from '../components/use-api';
import { href, Link, navigate } from '../router';
import type { PageProps } from '../routes';
import { apiWorkspaceId, scopeParam } from '../scope';
import { can } from '../session';
import { destinationOf, SINK_TYPE_LABELS } from '../sinks/fields';
import type { Sink, SinkType } from '../types';
import './sinks.css';

/** Every sink the scope may read, with where it sends, its status and lag. */
export function SinksPage({ session, scope }: PageProps) {
  const workspaceId = apiWorkspaceId(scope);
  const sinks = useApi(
    (signal) => api<{ data: Sink[] }>('GET', '/v1/audit/sinks', { query: { workspaceId }, signal }),
    [scope.kind, workspaceId],
  );
  const manage = can(session, 'sinks:manage');
  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Sinks"
        description="Where this workspace’s events are delivered: every event, in order, at least once."
        actions={
          manage && (
            <Link class="button button-primary" href={href('/console/sinks/new', { ws: scopeParam(scope) })}>
              New sink
            </Link>
          )
        }
      />
      {sinks.error ? (
        <PageError error={sinks.error} onRetry={sinks.reload} />
      ) : sinks.data ? (
        sinks.data.data.length === 0 ? (
          <div class="panel empty-state">
            <p class="alert-title">No sinks yet</p>
            <p class="muted">
              {manage
                ? 'Connect a SIEM, a bucket or a stream: events from then on are delivered to it.'
                : 'Ask an admin or a connector builder to connect one.'}
            </p>
          </div>
        ) : (
          <div class="table-wrap">
            <table class="table" data-testid="sinks-table">
              <caption class="visually-hidden">Sinks</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Destination</th>
                  <th scope="col">Workspace</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="numeric">
                    Lag
                  </th>
                  <th scope="col">Last delivery</th>
                </tr>
              </thead>
              <tbody>
                {sinks.data.data.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link
                        href={href(`/console/sinks/${encodeURIComponent(s.id)}`, { ws: scopeParam(scope) })}
                      >
                        {s.name}
                      </Link>
                    </td>
                    <td>{SINK_TYPE_LABELS[s.type]?.title ?? s.type}</td>
                    <td class="destination">
                      <code>{destinationOf(s.type, s.config)}</code>
                    </td>
                    <td>
                      <code>{s.workspaceId}</code>
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td class="numeric">{s.lagEvents.toLocaleString('en')}</td>
                    <td>
                      <Time iso={s.lastDeliveryAt} relativeOnly />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : (
        <p role="status">Loading…</p>
      )}
    </section>
  );
}

const TYPES: SinkType[] = ['kinesis', 's3', 'http', 'syslog', 'console'];

/** Choose a type, then fill its form; the API's messages appear under the fields. */
export function NewSinkPage({ session, scope, location }: PageProps) {
  const requested = location.query.get('type') as SinkType | null;
  const type = requested && TYPES.includes(requested) ? requested : 'http';
  const bound = session.me.workspaceIds ?? session.me.knownWorkspaceIds;
  const [workspaceId, setWorkspaceId] = useState(
    scope.kind === 'workspace' ? scope.workspaceId : (bound[0] ?? ''),
  );
  const back = href('/console/sinks', { ws: scopeParam(scope) });
  if (!can(session, 'sinks:manage')) {
    return (
      <section aria-labelledby="page-title">
        <PageHeader title="New sink" />
        <div class="alert alert-error" role="alert">
          <p class="alert-title">Not allowed</p>
          <p>Your role ({session.me.role}) may read sinks but not create them.</p>
        </div>
        <p>
          <Link href={back}>← All sinks</Link>
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="New sink"
        description="Events of the workspace received from now on are delivered."
      />
      <p>
        <Link href={back}>← All sinks</Link>
      </p>
      <fieldset class="type-picker">
        <legend>Type</legend>
        {TYPES.map((t) => (
          <label key={t} class={`type-option${t === type ? ' type-option-selected' : ''}`}>
            <input
              type="radio"
              name="sink-type"
              value={t}
              checked={t === type}
              onChange={() =>
                navigate(href('/console/sinks/new', { ws: scopeParam(scope), type: t }), { replace: true })
              }
            />
            <span class="type-title">{SINK_TYPE_LABELS[t].title}</span>
            <span class="type-description">{SINK_TYPE_LABELS[t].description}</span>
          </label>
        ))}
      </fieldset>
      {scope.kind !== 'workspace' && (
        <div class="field">
          <label for="new-sink-workspace">Workspace</label>
          <input
            id="new-sink-workspace"
            list="new-sink-workspaces"
            value={workspaceId}
            autoComplete="off"
            onInput={(e) => setWorkspaceId((e.target as HTMLInputElement).value)}
          />
          <datalist id="new-sink-workspaces">
            {bound.map((w) => (
              <option key={w} value={w} />
            ))}
          </datalist>
        </div>
      )}
      <SinkForm
        key={type}
        type={type}
        workspaceId={workspaceId}
        onSaved={(s) =>
          navigate(
            href(`/console/sinks/${encodeURIComponent(s.id)}`, { ws: scopeParam(scope), created: '1' }),
          )
        }
        onCancel={() => navigate(back)}
      />
    </section>
  );
}
