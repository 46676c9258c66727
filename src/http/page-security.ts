import type { Context } from 'hono';

/**
 * The Content-Security-Policy of every HTML page the API serves (/docs, /problems/…): scripts,
 * styles, images and fonts from this origin only, no inline script, no eval, fetches to this origin
 * only (the reference loads /openapi.json and its "Try it out" calls the API), no framing, no forms.
 * Swagger UI sets element styles from script, which CSP does not restrict, so styles need no
 * 'unsafe-inline' either.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** An HTML answer under the page CSP. */
export function htmlPage(c: Context, html: string, status: 200 | 404 = 200): Response {
  return c.html(html, status, PAGE_SECURITY_HEADERS);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}
