import { useState } from 'preact/hooks';
import { type Location, navigate, withQuery } from '../router';
import { type Scope, scopeChoices, scopeLabel, scopeParam } from '../scope';
import type { WhoAmI } from '../types';

const OTHER = '__other__';

/**
 * The workspace the pages read, limited to what the credential may read: its bound workspaces, or for
 * a tenant-wide credential the tenant's known workspaces, the tenant level, any other id, and "*"
 * (every workspace) for a tenant_admin. The choice goes into the URL (`ws`).
 */
export function WorkspacePicker({ me, scope, location }: { me: WhoAmI; scope: Scope; location: Location }) {
  const choices = scopeChoices(me);
  const current = scopeParam(scope);
  const listed = choices.some((c) => scopeParam(c) === current);
  const tenantWide = me.workspaceIds === null;
  const [other, setOther] = useState(!listed);
  const [typed, setTyped] = useState(listed ? '' : current);

  const choose = (value: string) => {
    if (value === OTHER) {
      setOther(true);
      return;
    }
    setOther(false);
    navigate(withQuery(location, { ws: value, cursor: undefined }));
  };

  return (
    <div class="workspace-picker">
      <label for="workspace-select">Workspace</label>
      <select
        id="workspace-select"
        value={other ? OTHER : current}
        onChange={(e) => choose((e.target as HTMLSelectElement).value)}
      >
        {choices.map((c) => (
          <option key={scopeParam(c)} value={scopeParam(c)}>
            {scopeLabel(c)}
          </option>
        ))}
        {tenantWide && <option value={OTHER}>Other workspace…</option>}
      </select>
      {other && tenantWide && (
        <form
          class="workspace-other"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) navigate(withQuery(location, { ws: typed.trim(), cursor: undefined }));
          }}
        >
          <label for="workspace-other" class="visually-hidden">
            Workspace id
          </label>
          <input
            id="workspace-other"
            value={typed}
            placeholder="workspace id"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="button button-small">
            Open
          </button>
        </form>
      )}
    </div>
  );
}

/** Shown whenever the view spans every workspace: the API records each such read. */
export function CrossWorkspaceNote({ scope }: { scope: Scope }) {
  if (scope.kind !== 'all') return null;
  return (
    <div class="alert alert-info" role="note">
      <strong>Viewing every workspace.</strong> This view is itself audited: each page of events read across
      workspaces writes an <code>audit.cross_workspace_viewed</code> event to your tenant’s log.
    </div>
  );
}
