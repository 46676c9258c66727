import { monotonicFactory } from 'ulid';
import type { TransactionClient } from './db.js';
import { type FieldError, ValidationError } from './errors.js';
import { type AuditEventInput, AuditEventSchema } from './event.js';
import { type OutboxTableOptions, outboxTables } from './tables.js';

const newEventId = monotonicFactory();

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
  events: AuditEventInput | readonly AuditEventInput[],
  options: OutboxTableOptions = {},
): Promise<string[]> {
  const single = !Array.isArray(events);
  const list: readonly unknown[] = single ? [events] : (events as readonly unknown[]);
  const errors: FieldError[] = [];
  const now = new Date().toISOString();
  const rows = list.map((raw, index) => {
    const parsed = AuditEventSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...(single ? [] : [String(index)]), ...issue.path.map(String)];
        errors.push({ pointer: `/${path.join('/')}`, detail: issue.message });
      }
      return null;
    }
    return { ...parsed.data, id: parsed.data.id ?? newEventId(), occurredAt: parsed.data.occurredAt ?? now };
  });
  if (errors.length > 0) throw new ValidationError('invalid audit event; nothing was enqueued', errors);
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
