import type { FieldError } from '../domain/errors.js';
import { MalformedRequestError, ValidationError } from '../domain/errors.js';
import { printable } from '../domain/text.js';

/**
 * Bounds on the shape of any JSON request body, checked on the raw text before JSON.parse runs.
 * JSON.parse is linear in most inputs but not in all: a body nested two million levels deep, or one
 * object with 300,000 keys, costs seconds of event-loop time. No valid request comes near these
 * bounds (an event's metadata is at most 32 levels and 1,000 keys, see domain/event.ts).
 */
export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_OBJECT_MEMBERS = 1000;
export const MAX_JSON_ARRAY_ITEMS = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface Frame {
  object: boolean;
  /** Members (objects) or items (arrays) seen so far. */
  count: number;
  /** Objects: the raw text of the current key, quotes included (decoded only to name an error). */
  keyStart: number;
  keyEnd: number;
  expectKey: boolean;
}

function hex4(text: string, at: number): number {
  const s = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(s) ? Number.parseInt(s, 16) : -1;
}

/** RFC 6901 pointer of the current position; keys are decoded (and made printable) only here. */
function pointerOf(text: string, stack: Frame[], extraKey?: [number, number]): string {
  const parts: string[] = [];
  const segment = (start: number, end: number) => {
    let key: string;
    try {
      key = JSON.parse(text.slice(start, end)) as string;
    } catch {
      key = text.slice(start + 1, end - 1);
    }
    return key;
  };
  for (const frame of stack) {
    if (frame.object) {
      if (frame.keyEnd > frame.keyStart) parts.push(segment(frame.keyStart, frame.keyEnd));
    } else {
      parts.push(String(Math.max(0, frame.count - 1)));
    }
  }
  if (extraKey) parts.push(segment(extraKey[0], extraKey[1]));
  return parts.map((p) => `/${printable(p.slice(0, 200)).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * One pass over the raw text: nesting depth, members per object, items per array, and the string
 * escapes that no field can hold (U+0000, which PostgreSQL text and jsonb refuse, and unpaired UTF-16
 * surrogates, which have no UTF-8 form). Returns the first violation with its pointer, or null.
 * Malformed JSON passes through to JSON.parse as long as the bounds hold (its depth stays bounded).
 */
export function scanJson(text: string): FieldError | null {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i++;
      let bad: string | null = null;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          if (text.charCodeAt(i + 1) === 0x75 /* u */) {
            const code = hex4(text, i + 2);
            if (code === 0) bad ??= 'must not contain U+0000';
            else if (code >= 0xd800 && code <= 0xdbff) {
              const next = text.charCodeAt(i + 6) === BACKSLASH && text.charCodeAt(i + 7) === 0x75;
              const low = next ? hex4(text, i + 8) : -1;
              if (low >= 0xdc00 && low <= 0xdfff) i += 6;
              else bad ??= 'must not contain an unpaired UTF-16 surrogate';
            } else if (code >= 0xdc00 && code <= 0xdfff) {
              bad ??= 'must not contain an unpaired UTF-16 surrogate';
            }
            i += 6;
            continue;
          }
          i += 2;
          continue;
        }
        i++;
      }
      const end = i + 1;
      i = end;
      const frame = stack.at(-1);
      if (frame && !frame.object && frame.count === 0) frame.count = 1;
      if (frame?.object && frame.expectKey) {
        frame.count++;
        frame.keyStart = start;
        frame.keyEnd = end;
        frame.expectKey = false;
        if (frame.count > MAX_JSON_OBJECT_MEMBERS) {
          return {
            pointer: pointerOf(text, stack.slice(0, -1)),
            detail: `an object may have at most ${MAX_JSON_OBJECT_MEMBERS} members`,
          };
        }
        if (bad) return { pointer: pointerOf(text, stack), detail: `a key ${bad}` };
      } else if (bad) {
        return { pointer: pointerOf(text, stack), detail: bad };
      }
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const parent = stack.at(-1);
      if (parent && !parent.object && parent.count === 0) parent.count = 1;
      if (stack.length >= MAX_JSON_DEPTH) {
        return { pointer: pointerOf(text, stack), detail: `may nest at most ${MAX_JSON_DEPTH} levels deep` };
      }
      stack.push({ object: c === OPEN_OBJECT, count: 0, keyStart: 0, keyEnd: 0, expectKey: true });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      const frame = stack.at(-1);
      if (frame?.object) frame.expectKey = true;
      else if (frame) {
        frame.count++;
        if (frame.count > MAX_JSON_ARRAY_ITEMS) {
          return {
            pointer: pointerOf(text, stack.slice(0, -1)),
            detail: `an array may have at most ${MAX_JSON_ARRAY_ITEMS} items`,
          };
        }
      }
    } else if (c === COLON) {
      const frame = stack.at(-1);
      if (frame?.object) frame.expectKey = false;
    } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      // A scalar in an array counts as its item.
      const frame = stack.at(-1);
      if (frame && !frame.object && frame.count === 0) frame.count = 1;
    }
    i++;
  }
  return null;
}

/** JSON.parse behind scanJson: a violation is a 400 naming the field, malformed JSON a 400 too. */
export function parseJsonBody(text: string): unknown {
  const violation = scanJson(text);
  if (violation) {
    throw new ValidationError('the request body is outside the limits of this API; nothing was stored', {
      errors: [violation],
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedRequestError('the request body is not valid JSON', {
      errors: [{ pointer: '', detail: 'malformed JSON' }],
    });
  }
}
