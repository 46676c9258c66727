/** The deployment settings the server put in the page (a <meta> element: no inline script under the CSP). */
export interface ConsoleSettings {
  region: string;
  temporalUiUrl: string | null;
  temporalNamespace?: string;
  jwtEnabled: boolean;
}

function readSettings(): ConsoleSettings {
  const content = document.querySelector('meta[name="audit-console-settings"]')?.getAttribute('content');
  try {
    if (content) return JSON.parse(content) as ConsoleSettings;
  } catch {}
  return { region: '', temporalUiUrl: null, jwtEnabled: false };
}

export const settings: ConsoleSettings = readSettings();

/** The Temporal UI page of a workflow (a run's history when the run id is known), or null. */
export function temporalWorkflowUrl(workflowId: string, runId?: string | null): string | null {
  if (!settings.temporalUiUrl) return null;
  const base = `${settings.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(settings.temporalNamespace ?? 'default')}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
