import type { Config } from '../src/config.js';
import {
  markSuggestedActions,
  type PromotedAction,
  promoteDiscoveredActions,
} from '../src/db/action-promotion.js';
import { insertPlatformEvents, type StoredEvent } from '../src/db/events.js';
import { type Pool, withTransaction } from '../src/db/pool.js';
import { SUGGESTION_FRACTION } from '../src/domain/action-inventory.js';
import { isValidActionName } from '../src/domain/action-name.js';
import { newEventId } from '../src/events/store.js';
import type { Logger } from '../src/logger.js';

export interface InventoryActivityDeps {
  pool: Pool;
  logger: Logger;
  actions: Config['actions'];
}

export interface PromoteInventoryInput {
  /** The promotion's "now" (ISO-8601): ages are measured up to this instant. */
  asOf: string;
}

export interface PromoteInventoryResult {
  promoted: number;
  suggested: number;
}

const PROMOTION_ACTION = 'audit.action_auto_promoted';

function promotionEvent(p: PromotedAction, asOf: string, maxSegments: number): StoredEvent {
  return {
    id: newEventId(),
    tenantId: p.tenantId,
    workspaceId: null,
    occurredAt: new Date().toISOString(),
    actorKind: 'system',
    actorUserId: 'inventory-promotion',
    actorApiKeyId: null,
    action: PROMOTION_ACTION,
    actionValid: isValidActionName(PROMOTION_ACTION, maxSegments),
    resourceType: 'action',
    resourceId: p.action,
    metadata: { count: p.count, firstSeenAt: p.firstSeenAt, asOf },
    ip: null,
    userAgent: null,
  };
}

export function createInventoryActivities(deps: InventoryActivityDeps) {
  return {
    /**
     * Promotes discovered names past both thresholds (source auto) and marks the near ones suggested,
     * across every tenant, in one transaction with an audit event per promotion in that tenant's log.
     * Idempotent: a retry finds the promoted rows no longer discovered.
     */
    async promoteActionInventory(input: PromoteInventoryInput): Promise<PromoteInventoryResult> {
      const asOf = new Date(input.asOf);
      const { promotionMinCount: minCount, promotionMinAgeMs: minAgeMs, maxSegments } = deps.actions;
      const result = await withTransaction(deps.pool, async (tx) => {
        const promoted = await promoteDiscoveredActions(tx, {
          minCount,
          firstSeenBy: new Date(asOf.getTime() - minAgeMs),
          decidedAt: asOf,
        });
        await insertPlatformEvents(
          tx,
          promoted.map((p) => promotionEvent(p, input.asOf, maxSegments)),
        );
        const suggested = await markSuggestedActions(tx, {
          minCount: Math.ceil(minCount * SUGGESTION_FRACTION),
          firstSeenBy: new Date(asOf.getTime() - minAgeMs * SUGGESTION_FRACTION),
        });
        return { promoted: promoted.length, suggested };
      });
      deps.logger.info({ ...result, asOf: input.asOf }, 'action inventory promotion');
      return result;
    },
  };
}
