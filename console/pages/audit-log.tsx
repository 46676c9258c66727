import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorMessage, PageError } from '../components/errors';
import { describedBy, Field } from '../components/field';
import { PageHeader } from '../components/page-header';
import { formatTime, Time } from '../components/time';
import { useApi } from '../components/use-api';
import { type Location, navigate, withQuery } from '../router';
import type { PageProps } from '../routes';
import { apiWorkspaceId } from '../scope';
import type { AuditEvent, CanonicalAction, EventPage } from '../types';

/** The filters the URL holds, named as the API's query parameters. */
const FILTER_KEYS = [
  'action',
  'actorKind',
  'actorUserId',
  'actorApiKeyId',
  'resourceType',
  'resourceId',
  'from',
  'to',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_LIMIT = 50;
const CUSTOM = '__custom__';

/** The order of the wire object's keys (the SPEC's wire format). */
const WIRE_FIELDS: Array<keyof AuditEvent> = [
  'id',
  'tenantId',
  'workspaceId',
  'occurredAt',
  'actorKind',
  'actorUserId',
  'actorApiKeyId',
  'action',
  'resourceType',
  'resourceId',
  'metadata',
  'ip',
  'userAgent',
];

function filtersOf(location: Location): Filters {
  const out: Filters = {};
  for (const key of FILTER_KEYS) {
    const v = location.query.get(key);
    if (v) out[key] = v;
  }
  return out;
}

function pageSize(location: Location): number {
  const n = Number(location.query.get('limit'));
  return PAGE_SIZES.includes(n) ? n : DEFAULT_LIMIT;
}

/** ISO timestamp → the value of a datetime-local input (local time), and back. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function actorOf(e: AuditEvent): string {
  if (e.actorKind === 'api_key') return e.actorApiKeyId ?? 'API key';
  return e.actorUserId ?? e.actorKind;
}

function FilterForm({
  location,
  canonical,
}: {
  location: Location;
  canonical: CanonicalAction[] | undefined;
}) {
  const current = filtersOf(location);
  const isCanonical = (a: string | undefined) => !a || (canonical ?? []).some((c) => c.action === a);
  const [actionChoice, setActionChoice] = useState(
    current.action && !isCanonical(current.action) ? CUSTOM : (current.action ?? ''),
  );
  const [customAction, setCustomAction] = useState(isCanonical(current.action) ? '' : (current.action ?? ''));
  const [actorKind, setActorKind] = useState(current.actorKind ?? '');
  const [actor, setActor] = useState(current.actorApiKeyId ?? current.actorUserId ?? '');
  const [resourceType, setResourceType] = useState(current.resourceType ?? '');
  const [resourceId, setResourceId] = useState(current.resourceId ?? '');
  const [from, setFrom] = useState(toLocalInput(current.from));
  const [to, setTo] = useState(toLocalInput(current.to));
  const activeCount = FILTER_KEYS.filter((k) => current[k] !== undefined && k !== 'actorKind').length;
  const customShown = actionChoice === CUSTOM || (canonical === undefined && customAction !== '');

  const apply = (e: Event) => {
    e.preventDefault();
    const action = actionChoice === CUSTOM ? customAction.trim() : actionChoice;
    const actorId = actor.trim();
    const byKey = actorKind === 'api_key' || (actorKind === '' && actorId.startsWith('key_'));
    navigate(
      withQuery(location, {
        action: action || undefined,
        actorKind: actorKind || undefined,
        actorUserId: actorId && !byKey ? actorId : undefined,
        actorApiKeyId: actorId && byKey ? actorId : undefined,
        resourceType: resourceType.trim() || undefined,
        resourceId: resourceId.trim() || undefined,
        from: fromLocalInput(from),
        to: fromLocalInput(to),
        cursor: undefined,
        event: undefined,
      }),
    );
  };
  const clear = () => {
    const reset: Record<string, undefined> = { cursor: undefined, event: undefined };
    for (const key of FILTER_KEYS) reset[key] = undefined;
    navigate(withQuery(location, reset));
  };
  const set = (setter: (v: string) => void) => (e: Event) => setter((e.target as HTMLInputElement).value);

  return (
    <details
      class="panel filters-panel"
      open={!window.matchMedia('(max-width: 720px)').matches || activeCount > 0}
    >
      <summary class="filters-summary">Filters{activeCount > 0 ? ` (${activeCount} active)` : ''}</summary>
      <form onSubmit={apply} aria-label="Filters">
        <div class="panel-body">
          <div class="filters">
            <Field id="filter-action" label="Action">
              <select id="filter-action" value={actionChoice} onChange={set(setActionChoice)}>
                <option value="">Any action</option>
                {canonical && canonical.length > 0 && (
                  <optgroup label="Canonical actions">
                    {canonical.map((c) => (
                      <option key={c.action} value={c.action}>
                        {c.action}
                      </option>
                    ))}
                  </optgroup>
                )}
                <option value={CUSTOM}>Other name or prefix…</option>
              </select>
            </Field>
            {customShown && (
              <Field
                id="filter-action-custom"
                label="Action name or prefix"
                hint="e.g. sink_created or audit.*"
              >
                <input
                  id="filter-action-custom"
                  value={customAction}
                  placeholder="audit.*"
                  aria-describedby={describedBy('filter-action-custom', { hint: true })}
                  onInput={set(setCustomAction)}
                />
              </Field>
            )}
            <Field id="filter-actor-kind" label="Actor kind">
              <select id="filter-actor-kind" value={actorKind} onChange={set(setActorKind)}>
                <option value="">Any</option>
                <option value="user">User</option>
                <option value="api_key">API key</option>
                <option value="system">System</option>
              </select>
            </Field>
            <Field id="filter-actor" label="Actor" hint="A user id, or an API key id (key_…)">
              <input
                id="filter-actor"
                value={actor}
                aria-describedby={describedBy('filter-actor', { hint: true })}
                onInput={set(setActor)}
              />
            </Field>
            <Field id="filter-resource-type" label="Resource type">
              <input id="filter-resource-type" value={resourceType} onInput={set(setResourceType)} />
            </Field>
            <Field id="filter-resource-id" label="Resource id">
              <input id="filter-resource-id" value={resourceId} onInput={set(setResourceId)} />
            </Field>
            <Field id="filter-from" label="From" hint="Inclusive, your local time">
              <input
                id="filter-from"
                type="datetime-local"
                value={from}
                aria-describedby={describedBy('filter-from', { hint: true })}
                onInput={set(setFrom)}
              />
            </Field>
            <Field id="filter-to" label="To" hint="Exclusive, your local time">
              <input
                id="filter-to"
                type="datetime-local"
                value={to}
                aria-describedby={describedBy('filter-to', { hint: true })}
                onInput={set(setTo)}
              />
            </Field>
          </div>
        </div>
        <div class="panel-footer">
          <button type="submit" class="button button-primary">
            Apply filters
          </button>
          <button type="button" class="button" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
    </details>
  );
}

function EventDetail({ event, onClose }: { event: AuditEvent; onClose: () => void }) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  const wire = Object.fromEntries(WIRE_FIELDS.map((k) => [k, event[k]]));
  return (
    <section class="panel" aria-labelledby="event-detail-title" id="event-detail" ref={panel}>
      <div class="panel-header">
        <h2 id="event-detail-title">
          Event <code>{event.id}</code>
        </h2>
        <div class="page-actions">
          <CopyButton text={JSON.stringify(wire, null, 2)} label="Copy JSON" />
          <button type="button" class="button button-small" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <div class="panel-body detail-grid">
        <dl class="facts">
          {WIRE_FIELDS.filter((k) => k !== 'metadata').map((k) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd data-field={k}>
                {event[k] === null ? (
                  <span class="muted">null</span>
                ) : k === 'occurredAt' ? (
                  <Time iso={String(event[k])} />
                ) : (
                  <code>{String(event[k])}</code>
                )}
              </dd>
            </Fragment>
          ))}
        </dl>
        <div>
          <h3>metadata</h3>
          <pre data-field="metadata">
            <code>{JSON.stringify(event.metadata, null, 2)}</code>
          </pre>
        </div>
      </div>
    </section>
  );
}

export function AuditLogPage({ scope, location }: PageProps) {
  const filters = filtersOf(location);
  const limit = pageSize(location);
  const cursor = location.query.get('cursor') ?? '';
  const selected = location.query.get('event');
  const workspaceId = apiWorkspaceId(scope);
  // Which cursor led to which page: Previous goes back one page without refetching the ones before.
  const previousOf = useRef(new Map<string, string>());

  const canonical = useApi(
    (signal) => api<{ data: CanonicalAction[] }>('GET', '/v1/audit/actions/canonical', { signal }),
    [],
  );
  const query = { workspaceId, ...filters, limit, cursor: cursor || undefined };
  const page = useApi(
    (signal) => api<EventPage>('GET', '/v1/audit/events', { query, signal }),
    [JSON.stringify(query)],
  );

  const goNext = () => {
    const next = page.data?.nextCursor;
    if (!next) return;
    previousOf.current.set(next, cursor);
    navigate(withQuery(location, { cursor: next, event: undefined }));
  };
  const previous = previousOf.current.get(cursor);
  const goPrevious = () => navigate(withQuery(location, { cursor: previous || undefined, event: undefined }));
  const goNewest = () => navigate(withQuery(location, { cursor: undefined, event: undefined }));
  const pageNumber = (() => {
    let n = 1;
    let c = cursor;
    while (c && previousOf.current.has(c)) {
      n++;
      c = previousOf.current.get(c)!;
    }
    return c ? null : n;
  })();

  const events = page.data?.data ?? [];
  const selectedEvent = selected ? events.find((e) => e.id === selected) : undefined;
  const showWorkspace = scope.kind === 'all';

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Audit log"
        description="Every event of the selected workspace, newest first."
        actions={
          <button type="button" class="button" onClick={page.reload}>
            Refresh
          </button>
        }
      />
      {canonical.error ? <ErrorMessage error={canonical.error} /> : null}
      <FilterForm
        location={location}
        canonical={canonical.data?.data}
        key={`${JSON.stringify(filters)}|${canonical.data ? 1 : 0}`}
      />
      {selected && !page.loading && !selectedEvent && (
        <div class="alert alert-info" role="status">
          Event <code>{selected}</code> is not on this page.
        </div>
      )}
      {selectedEvent && (
        <EventDetail
          event={selectedEvent}
          onClose={() => navigate(withQuery(location, { event: undefined }))}
        />
      )}
      {page.error ? (
        <PageError error={page.error} onRetry={page.reload} />
      ) : (
        <>
          <div class="table-wrap" aria-busy={page.loading}>
            <table class="table table-stack" aria-label="Events">
              <thead>
                <tr>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Resource</th>
                  {showWorkspace && <th scope="col">Workspace</th>}
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id} data-event-id={e.id} aria-selected={e.id === selected ? 'true' : undefined}>
                    <td class="nowrap">
                      <time dateTime={e.occurredAt}>{formatTime(e.occurredAt)}</time>
                    </td>
                    <td>
                      <button
                        type="button"
                        class="button-link"
                        aria-label={`${e.action}: show event ${e.id}`}
                        onClick={() => navigate(withQuery(location, { event: e.id }))}
                      >
                        {e.action}
                      </button>
                    </td>
                    <td>
                      <span class="muted">{e.actorKind === 'api_key' ? 'key' : e.actorKind}</span>{' '}
                      {actorOf(e)}
                    </td>
                    <td>
                      {e.resourceType ?? <span class="muted">—</span>}
                      {e.resourceId && (
                        <>
                          {' '}
                          <code>{e.resourceId}</code>
                        </>
                      )}
                    </td>
                    {showWorkspace && <td>{e.workspaceId ?? <span class="muted">tenant</span>}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
            {!page.loading && events.length === 0 && <p class="empty">No events match.</p>}
            {page.loading && events.length === 0 && (
              <p class="empty" role="status">
                Loading events…
              </p>
            )}
          </div>
          <nav class="pager" aria-label="Pages">
            <span class="muted" role="status">
              {page.loading
                ? 'Loading…'
                : `${pageNumber ? `Page ${pageNumber} · ` : ''}${events.length} event${events.length === 1 ? '' : 's'}`}
            </span>
            <div class="pager-buttons">
              <label class="visually-hidden" for="page-size">
                Events per page
              </label>
              <select
                id="page-size"
                value={String(limit)}
                onChange={(e) =>
                  navigate(
                    withQuery(location, {
                      limit: (e.target as HTMLSelectElement).value,
                      cursor: undefined,
                      event: undefined,
                    }),
                  )
                }
              >
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={String(n)}>
                    {n} per page
                  </option>
                ))}
              </select>
              {cursor && previous === undefined ? (
                <button type="button" class="button" onClick={goNewest}>
                  Newest
                </button>
              ) : (
                <button type="button" class="button" onClick={goPrevious} disabled={!cursor}>
                  Previous
                </button>
              )}
              <button
                type="button"
                class="button"
                onClick={goNext}
                disabled={!page.data?.nextCursor || page.loading}
              >
                Next
              </button>
            </div>
          </nav>
        </>
      )}
    </section>
  );
}
