import { z } from 'zod';
import type { PagePosition } from '../../db/events.js';
import { ValidationError } from '../../domain/errors.js';

const CursorPayload = z.tuple([z.iso.datetime(), z.string().min(1).max(64)]);

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
