import type { LogPosition } from '../sinks/driver.js';
import type { Queryable } from './pool.js';

/**
 * Moves a sink's cursor back so that every event of its workspace received at or after `from` is
 * delivered again. The new cursor sits just before the earliest such event in ingest order, so the
 * replay covers at least what was asked for (at-least-once, as delivery always is). The cursor never
 * moves forward here: events after the current cursor are still pending anyway.
 * The caller holds the sink's publish lock, so no batch in flight can advance the cursor past this.
 */
export async function rewindSinkCursor(
  db: Queryable,
  tenantId: string,
  sinkId: string,
  from: Date,
): Promise<{ cursor: LogPosition; rewound: boolean } | null> {
  const { rows } = await db.query<{ txid: string; seq: number; rewound: boolean }>(
    `with sink as (
       select workspace_id, cursor_txid, cursor_seq from audit_sinks where tenant_id = $1::text and id = $2::text
     ), earliest as (
       select e.txid, e.seq from audit_events e, sink s
       where e.tenant_id = $1::text and e.workspace_id = s.workspace_id and e.received_at >= $3::timestamptz
         and (e.txid, e.seq) <= (s.cursor_txid, s.cursor_seq)
       order by e.txid, e.seq
       limit 1
     ), rewound as (
       update audit_sinks set cursor_txid = earliest.txid, cursor_seq = earliest.seq - 1,
         passed_count = null, version = version + 1, updated_at = now()
       from earliest
       where tenant_id = $1::text and id = $2::text
       returning cursor_txid, cursor_seq
     )
     select cursor_txid::text as txid, cursor_seq as seq, true as rewound from rewound
     union all
     select cursor_txid::text, cursor_seq, false from sink where not exists (select 1 from rewound)`,
    [tenantId, sinkId, from],
  );
  const row = rows[0];
  return row ? { cursor: { txid: row.txid, seq: row.seq }, rewound: row.rewound } : null;
}
