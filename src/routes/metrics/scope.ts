import { z } from '@hono/zod-openapi';
import { ALL_WORKSPACES, assertWorkspaceAccess } from '../../auth/scope.js';
import type { Caller } from '../../domain/caller.js';

export const TenantQuery = z.object({
  tenantId: z.string().min(1).optional().openapi({ description: 'Required with the platform token only.' }),
});

/**
 * Which workspaces' events and sinks the metrics cover. An id: that workspace (the caller must reach
 * it). Absent or "*": everything the caller may see — the whole tenant (every workspace and the
 * tenant-level events) for a tenant-wide caller, its workspaces for a workspace-bound one.
 */
export function metricsWorkspaces(caller: Caller, workspaceId: string | undefined): string[] | null {
  if (workspaceId === undefined || workspaceId === ALL_WORKSPACES) return caller.workspaceIds;
  assertWorkspaceAccess(caller, workspaceId);
  return [workspaceId];
}
