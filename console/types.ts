/** The API's wire shapes the console reads (see /openapi.json). */

export type Role = 'producer' | 'viewer' | 'auditor' | 'connector_builder' | 'admin' | 'tenant_admin';
export type Permission =
  | 'events:ingest'
  | 'events:read'
  | 'actions:manage'
  | 'sinks:manage'
  | 'keys:manage'
  | 'workspaces:cross';

export interface WhoAmI {
  kind: 'platform' | 'api_key' | 'jwt';
  tenantId: string | null;
  workspaceIds: string[] | null;
  role: Role | 'platform';
  actor: string;
  permissions: Permission[];
  knownWorkspaceIds: string[];
}

export interface AuditEvent {
  id: string;
  tenantId: string;
  workspaceId: string | null;
  occurredAt: string;
  actorKind: 'user' | 'api_key' | 'system';
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

export interface EventPage {
  data: AuditEvent[];
  nextCursor: string | null;
}

export type SinkType = 'kinesis' | 's3' | 'http' | 'syslog' | 'console';
export type SinkStatus = 'active' | 'paused' | 'failing' | 'disabled';

export interface Sink {
  id: string;
  tenantId: string;
  workspaceId: string;
  name: string;
  type: SinkType;
  config: Record<string, unknown>;
  filter: { actions?: string[]; tags?: string[] };
  enabled: boolean;
  paused: boolean;
  status: SinkStatus;
  lastDeliveryAt: string | null;
  lastError: string | null;
  lagEvents: number;
  workflowId: string;
  createdAt: string;
  updatedAt: string;
  warnings: string[];
}

export interface SinkTestOutcome {
  ok: boolean;
  eventId: string;
  durationMs: number;
  error: string | null;
  errorKind: 'retryable' | 'config' | null;
}

export interface CanonicalAction {
  action: string;
  tags: string[];
}
