import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes that let an operator find any sink's delivery in the Temporal UI. */
export const TENANT_ID = defineSearchAttributeKey('AuditTenantId', SearchAttributeType.KEYWORD);
export const WORKSPACE_ID = defineSearchAttributeKey('AuditWorkspaceId', SearchAttributeType.KEYWORD);
export const SINK_ID = defineSearchAttributeKey('AuditSinkId', SearchAttributeType.KEYWORD);
export const SINK_TYPE = defineSearchAttributeKey('AuditSinkType', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [TENANT_ID, WORKSPACE_ID, SINK_ID, SINK_TYPE];

/** As `temporal server start-dev --search-attribute` wants them. */
export function devServerSearchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
}
