import type { Queryable } from '../../src/db/pool.js';
import { insertSink } from '../../src/db/sinks.js';

/** An enabled console sink stored directly (no API, no workflow), following `w_<id>` unless told. */
export async function insertConsoleSink(
  db: Queryable,
  tenantId: string,
  id: string,
  workspaceId = `w_${id}`,
): Promise<void> {
  await insertSink(db, {
    tenantId,
    id,
    workspaceId,
    name: id,
    type: 'console',
    config: {},
    filter: {},
    enabled: true,
    paused: false,
    createdBy: 'test',
  });
}
