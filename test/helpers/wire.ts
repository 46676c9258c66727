/** SPEC "Events": the wire object has exactly these keys, in this order (GET answers and every sink). */
export const WIRE_KEYS = [
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
] as const;
