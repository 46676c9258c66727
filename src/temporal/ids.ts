/**
 * Readable workflow ids: an operator who knows a tenant and a sink id types the workflow id straight
 * into the Temporal UI. The prefix (AUDIT_TEMPORAL_ID_PREFIX) is empty in production.
 */
export function sinkWorkflowId(prefix: string, tenantId: string, sinkId: string): string {
  return `${prefix}sink:${tenantId}:${sinkId}`;
}
