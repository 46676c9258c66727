import type { RunningPlatform } from '../runtime/platform.js';

/** Where the platform token came from: the AUDIT_ADMIN_TOKEN variable, or a file in the data directory. */
export const ADMIN_TOKEN_FROM_ENV = 'AUDIT_ADMIN_TOKEN';

/** What a person needs right after a start: where each thing answers and how to authenticate. */
export function bannerLines(
  platform: Pick<
    RunningPlatform,
    'apiUrl' | 'healthUrl' | 'temporalAddress' | 'temporalUiUrl' | 'adminTokenSource' | 'databaseEmbedded'
  >,
): string[] {
  const tokenFromEnv = platform.adminTokenSource === ADMIN_TOKEN_FROM_ENV;
  const tokenShell = tokenFromEnv ? '$AUDIT_ADMIN_TOKEN' : `$(cat ${platform.adminTokenSource})`;
  const lines = [
    '',
    'Audit platform is running.',
    platform.apiUrl
      ? `  API:           ${platform.apiUrl}   (OpenAPI reference at ${platform.apiUrl}/docs)`
      : `  Worker:        health checks at ${platform.healthUrl}/healthz and /readyz, Prometheus at ${platform.healthUrl}/metrics`,
    platform.apiUrl ? `  Console:       ${platform.apiUrl}/console   (sign in with an API key)` : null,
    platform.temporalUiUrl
      ? `  Temporal UI:   ${platform.temporalUiUrl}`
      : `  Temporal:      ${platform.temporalAddress}`,
    `  Database:      ${platform.databaseEmbedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}`,
  ].filter((l): l is string => l !== null);
  if (platform.apiUrl) {
    lines.push(
      tokenFromEnv
        ? '  Authenticate:  Authorization: Bearer <platform token>; the token is the value of AUDIT_ADMIN_TOKEN'
        : `  Authenticate:  Authorization: Bearer <platform token>; the token is in ${platform.adminTokenSource}`,
      `  Try:           curl -H "Authorization: Bearer ${tokenShell}" ${platform.apiUrl}/v1/admin/api-keys`,
    );
  }
  lines.push('');
  return lines;
}
