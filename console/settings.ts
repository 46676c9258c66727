/** The deployment settings the server put in the page (a <meta> element: no inline script under the CSP). */
export interface ConsoleSettings {
  region: string;
  temporalUiUrl: string | null;
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
