import type { Client } from '@temporalio/client';
import type { Logger } from '../logger.js';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
const KEYWORD = 2;

/**
 * Registers our custom search attributes on an external cluster (the dev server gets them on its
 * command line). Idempotent: only missing ones are added. Temporal Cloud manages them through its own
 * control plane, so a refusal is logged and start-up goes on (workflows then start without them failing
 * only if the attributes really are missing, which the log line says how to fix).
 */
export async function registerSearchAttributes(client: Client, namespace: string, logger: Logger) {
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
    if (missing.length === 0) return;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, KEYWORD])),
    });
    logger.info({ added: missing.map((k) => k.name) }, 'search attributes registered');
  } catch (err) {
    logger.warn(
      { err, attributes: SEARCH_ATTRIBUTES.map((k) => k.name) },
      'could not register search attributes; register them as Keyword on the namespace',
    );
  }
}
