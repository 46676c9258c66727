import type pg from 'pg';
import { monotonicFactory } from 'ulid';
import { type FieldError, ValidationError } from '../domain/errors.js';
import { EventInput } from '../domain/event.js';
import { type OutboxTableOptions, outboxTables } from './tables.js';

const newEventId = monotonicFactory();

/** A client inside the caller's open transaction (pg.Client or a checked-out pg.PoolClient). */
export type TransactionClient = Pick<pg.ClientBase, 'query'>;

/**
 * Writes audit events to the outbox with the caller's client, so they commit or roll back with the
 * business change of the same transaction. Each event is validated against the API's own schema first
 * (a bad event fails here, in the producer's request, rather than in the relay later).
 *
 * The id and occurredAt are fixed now: the id is the API's idempotency key, so every resend of the row
 * is recognised as the same event, and the event happened now, not when the relay delivers it.
 * Returns the event ids in input order.
 */
export async function enqueue(
  client: TransactionClient,
  events: EventInput | readonly EventInput[],
  options: OutboxTableOptions = {},
): Promise<string[]> {
  const list = Array.isArray(events) ? (events as readonly EventInput[]) : [events as EventInput];
  const single = !Array.isArray(events);
  const errors: FieldError[] = [];
  const now = new Date().toISOString();
  const rows = list.map((raw, index) => {
    const parsed = EventInput.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...(single ? [] : [String(index)]), ...issue.path.map(String)];
        errors.push({ pointer: `/${path.join('/')}`, detail: issue.message });
      }
      return null;
    }
    return { ...parsed.data, id: parsed.data.id ?? newEventId(), occurredAt: parsed.data.occurredAt ?? now };
  });
  if (errors.length > 0) throw new ValidationError('invalid audit event; nothing was enqueued', { errors });
  if (list.length === 0) return [];

  const valid = rows as Array<NonNullable<(typeof rows)[number]>>;
  const ids = valid.map((e) => e.id);
  const t = outboxTables(options);
  await client.query(
    `insert into ${t.outbox} (id, event)
     select id, event from unnest($1::text[], $2::jsonb[]) with ordinality as u(id, event, n) order by n`,
    [ids, valid.map((e) => JSON.stringify(e))],
  );
  return ids;
}
