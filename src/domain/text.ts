/**
 * Text that PostgreSQL cannot store: U+0000 (refused in text and jsonb) and unpaired UTF-16
 * surrogates (no UTF-8 form; jsonb refuses the \ud800 escape JSON.stringify writes for them).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Why this string cannot be stored, or null. */
export function unstorableText(s: string): string | null {
  if (NUL.test(s)) return 'must not contain U+0000';
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate';
  return null;
}

/** The string made printable for an error message: U+FFFD for U+0000 and unpaired surrogates. */
export function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing U+0000 is the point.
  return s.replace(/\u0000/g, '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}
