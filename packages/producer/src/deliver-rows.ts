import type { Queryable } from './db.js';
import type { RelayLogger } from './logger.js';
import { deadLetterRow, deleteRows, type OutboxRow } from './outbox-rows.js';
import { type ApiTarget, sendBatch } from './send-batch.js';
import type { OutboxTables } from './tables.js';

/** What a relay learns across batches. */
export interface RelayMemory {
  /**
   * Set once the API accepted anything from this relay. Until then a 403 may mean the key itself is
   * wrong (wrong role, revoked tenant), and dead-lettering would empty a healthy outbox; after it, a 403
   * on one event means that event names a tenant or workspace the key may not write.
   */
  credentialsProven: boolean;
}

export interface DeliveryCounts {
  delivered: number;
  accepted: number;
  duplicates: number;
  deadLettered: number;
}

export interface DeliveryFailure {
  kind: 'unavailable' | 'misconfigured' | 'credentials';
  status: number | null;
  error: string;
  retryAfterMs: number | null;
}

export interface DeliverContext {
  db: Queryable;
  tables: OutboxTables;
  target: ApiTarget;
  maxRequestBytes: number;
  memory: RelayMemory;
  counts: DeliveryCounts;
  logger: RelayLogger;
}

/** Greedy split so no request body exceeds the API's limit; an oversized event travels alone (and 413s). */
function splitByBytes(rows: OutboxRow[], maxBytes: number): OutboxRow[][] {
  const chunks: OutboxRow[][] = [];
  let current: OutboxRow[] = [];
  let size = 16;
  for (const row of rows) {
    const bytes = Buffer.byteLength(JSON.stringify(row.event), 'utf8') + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 16;
    }
    current.push(row);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Delivers claimed rows and removes (or dead-letters) them in the claiming transaction. A rejected
 * request is bisected until the rejected events stand alone, so one poison event costs about
 * 2·log2(batch) requests and never holds back the others. Returns the first transient failure, if any;
 * the rows not yet removed stay claimed until the caller's transaction ends, then wait for the next try.
 */
export async function deliverRows(ctx: DeliverContext, rows: OutboxRow[]): Promise<DeliveryFailure | null> {
  const forbidden: Array<{ row: OutboxRow; problem: unknown }> = [];

  const deliver = async (chunk: OutboxRow[]): Promise<DeliveryFailure | null> => {
    const outcome = await sendBatch(
      ctx.target,
      chunk.map((r) => r.event),
    );
    switch (outcome.kind) {
      case 'accepted':
        await deleteRows(
          ctx.db,
          ctx.tables,
          chunk.map((r) => r.seq),
        );
        ctx.memory.credentialsProven = true;
        ctx.counts.delivered += chunk.length;
        ctx.counts.accepted += outcome.accepted;
        ctx.counts.duplicates += outcome.duplicates;
        return null;
      case 'unavailable':
        return {
          kind: 'unavailable',
          status: outcome.status,
          error: outcome.error,
          retryAfterMs: outcome.retryAfterMs,
        };
      case 'misconfigured':
        return { kind: 'misconfigured', status: outcome.status, error: outcome.error, retryAfterMs: null };
      case 'rejected': {
        if (chunk.length > 1) {
          const mid = Math.ceil(chunk.length / 2);
          return (await deliver(chunk.slice(0, mid))) ?? (await deliver(chunk.slice(mid)));
        }
        const row = chunk[0]!;
        if (outcome.status === 403) {
          forbidden.push({ row, problem: outcome.problem });
          return null;
        }
        await deadLetter(ctx, row, outcome.status, outcome.problem);
        return null;
      }
    }
  };

  for (const chunk of splitByBytes(rows, ctx.maxRequestBytes)) {
    const failure = await deliver(chunk);
    if (failure) return failure;
  }
  if (forbidden.length === 0) return null;
  if (!ctx.memory.credentialsProven) {
    return {
      kind: 'credentials',
      status: 403,
      error: `the API refused every event of the batch with 403: ${JSON.stringify(forbidden[0]!.problem)}`,
      retryAfterMs: null,
    };
  }
  for (const { row, problem } of forbidden) await deadLetter(ctx, row, 403, problem);
  return null;
}

async function deadLetter(ctx: DeliverContext, row: OutboxRow, status: number, problem: unknown) {
  await deadLetterRow(ctx.db, ctx.tables, row.seq, status, problem);
  ctx.counts.deadLettered += 1;
  ctx.logger.warn(
    { outbox: ctx.tables.label, eventId: row.id, status, problem },
    'audit event rejected by the API; moved to the dead-letter table',
  );
}
