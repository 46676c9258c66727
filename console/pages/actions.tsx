import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { ErrorMessage, PageError } from '../components/errors';
import { PageHeader } from '../components/page-header';
import { Time } from '../components/time';
import { useApi } from '../components/use-api';
import { navigate, withQuery } from '../router';
import type { PageProps } from '../routes';
import { can } from '../session';
import type { ActionEntry } from '../types';
import './actions.css';

const SOURCE_LABELS: Record<ActionEntry['source'], string> = {
  discovered: 'Discovered',
  manual: 'Set by an admin',
  auto: 'Promoted automatically',
};

const actionPath = (action: string) => `/v1/audit/actions/${encodeURIComponent(action)}`;

/**
 * The tenant's action inventory: every name seen, how often and when, which are canonical (the
 * audit log's dropdown) and their tags. Filters live in the URL (`canonical`, `tag`, `q`).
 */
export function ActionsPage({ session, location }: PageProps) {
  const canonical = location.query.get('canonical') ?? '';
  const tag = location.query.get('tag') ?? '';
  const q = location.query.get('q') ?? '';
  const manage = can(session, 'actions:manage');
  const list = useApi(
    (signal) =>
      api<{ data: ActionEntry[] }>('GET', '/v1/audit/actions', {
        query: { canonical: canonical || undefined, tag: tag || undefined },
        signal,
      }),
    [canonical, tag],
  );
  const tagChoices = useApi(
    (signal) => api<{ data: ActionEntry[] }>('GET', '/v1/audit/actions', { signal }),
    [list.data],
  );
  const allTags = [...new Set((tagChoices.data?.data ?? []).flatMap((a) => a.tags))].sort();
  const rows = (list.data?.data ?? []).filter((a) => q === '' || a.action.includes(q.trim()));
  const setFilter = (changes: Record<string, string>, replace = false) =>
    navigate(withQuery(location, changes), { replace });

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Actions"
        description="Every action name this tenant’s producers send. Canonical ones form the audit log’s dropdown; tags group them for filters and sinks."
      />
      <form class="filters" aria-label="Filter actions" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="actions-q">Name contains</label>
          <input
            id="actions-q"
            type="search"
            value={q}
            autoComplete="off"
            onInput={(e) => setFilter({ q: (e.target as HTMLInputElement).value }, true)}
          />
        </div>
        <div class="field">
          <label for="actions-canonical">Canonical</label>
          <select
            id="actions-canonical"
            value={canonical}
            onChange={(e) => setFilter({ canonical: (e.target as HTMLSelectElement).value })}
          >
            <option value="">All</option>
            <option value="true">Canonical only</option>
            <option value="false">Not canonical</option>
          </select>
        </div>
        <div class="field">
          <label for="actions-tag">Tag</label>
          <select
            id="actions-tag"
            value={tag}
            onChange={(e) => setFilter({ tag: (e.target as HTMLSelectElement).value })}
          >
            <option value="">Any tag</option>
            {[...new Set([...allTags, ...(tag ? [tag] : [])])].sort().map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
      </form>
      {list.error ? (
        <PageError error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <p role="status">Loading…</p>
      ) : rows.length === 0 ? (
        <div class="panel empty-state">
          <p class="alert-title">No actions match</p>
          <p class="muted">
            {list.data.data.length === 0 && !canonical && !tag
              ? 'Actions appear here as producers send events.'
              : 'Change or clear the filters.'}
          </p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="actions-table">
            <caption class="visually-hidden">Action inventory</caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Canonical</th>
                <th scope="col">Tags</th>
                <th scope="col" class="numeric">
                  Events
                </th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <ActionRow key={a.action} entry={a} manage={manage} onChanged={list.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ActionRow({
  entry,
  manage,
  onChanged,
}: {
  entry: ActionEntry;
  manage: boolean;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const slug = entry.action.replace(/[^a-z0-9]+/g, '-');

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', actionPath(entry.action), { body: { canonical: !entry.canonical } });
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr>
      <th scope="row" class="action-name">
        <code>{entry.action}</code>
        {entry.suggested && !entry.canonical && (
          <span class="badge badge-suggested" title="Close to the auto-promotion thresholds">
            Suggested
          </span>
        )}
        <div class="muted action-source">{SOURCE_LABELS[entry.source]}</div>
        {error ? <ErrorMessage error={error} /> : null}
      </th>
      <td>
        {manage ? (
          <label class="switch">
            <input
              type="checkbox"
              role="switch"
              aria-checked={entry.canonical}
              checked={entry.canonical}
              disabled={busy}
              onChange={toggle}
              aria-label={`${entry.action} is canonical`}
            />
            <span aria-hidden="true">{entry.canonical ? 'Canonical' : 'No'}</span>
          </label>
        ) : entry.canonical ? (
          <span class="badge badge-active">Canonical</span>
        ) : (
          <span class="muted">No</span>
        )}
      </td>
      <td>
        {editing ? (
          <TagEditor
            id={`tags-${slug}`}
            entry={entry}
            onDone={(saved) => {
              setEditing(false);
              if (saved) onChanged();
            }}
          />
        ) : (
          <div class="tag-cell">
            {entry.tags.length === 0 ? (
              <span class="muted">—</span>
            ) : (
              entry.tags.map((t) => (
                <span key={t} class="tag">
                  {t}
                </span>
              ))
            )}
            {manage && (
              <button
                type="button"
                class="button button-small button-quiet"
                aria-label={`Edit tags of ${entry.action}`}
                onClick={() => setEditing(true)}
              >
                Edit
              </button>
            )}
          </div>
        )}
      </td>
      <td class="numeric">{entry.count.toLocaleString('en')}</td>
      <td>
        <Time iso={entry.firstSeenAt} relativeOnly />
      </td>
      <td>
        <Time iso={entry.lastSeenAt} relativeOnly />
      </td>
    </tr>
  );
}

function TagEditor({
  id,
  entry,
  onDone,
}: {
  id: string;
  entry: ActionEntry;
  onDone: (saved: boolean) => void;
}) {
  const [text, setText] = useState(entry.tags.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const message =
    error instanceof ApiError
      ? ((error.problem.errors?.map((e) => e.detail).join('; ') || error.problem.detail) ??
        error.problem.title)
      : error
        ? String(error)
        : null;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const tags = text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      await api('PATCH', `${actionPath(entry.action)}/tags`, { body: { tags } });
      onDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="tag-editor" onSubmit={save} noValidate>
      <label for={id} class="visually-hidden">
        Tags of {entry.action}
      </label>
      <input
        id={id}
        value={text}
        autoComplete="off"
        placeholder="billing, security"
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={`${id}-hint${message ? ` ${id}-error` : ''}`}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onDone(false);
        }}
        // biome-ignore lint/a11y/noAutofocus: the editor opens on the user's click, focus belongs in it
        autoFocus
      />
      <p class="hint" id={`${id}-hint`}>
        Comma-separated lowercase slugs, at most 20.
      </p>
      {message && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {message}
        </p>
      )}
      <div class="tag-editor-actions">
        <button type="submit" class="button button-small button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save tags'}
        </button>
        <button type="button" class="button button-small button-quiet" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
