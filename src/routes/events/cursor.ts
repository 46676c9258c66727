import { z } from 'zod';
import type { PagePosition } from '../../db/events.js';
import { ValidationError } from '../../domain/errors.js';
import { EventId, IsoTimestamp } from '../../domain/event.js';

// The same bounds as what is stored: a crafted cursor must not reach PostgreSQL with year 0000.
const CursorPayload = z.tuple([IsoTimestamp, EventId]);

/** Opaque to clients: the (occurredAt, id) of the last event of the page, base64url-encoded. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.occurredAt, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  try {
    const parsed = CursorPayload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { occurredAt: parsed[0], id: parsed[1] };
  } catch {
    throw new ValidationError('the cursor is not one this API issued', {
      errors: [{ pointer: 'cursor', detail: 'pass nextCursor from a previous page unchanged' }],
    });
  }
}
