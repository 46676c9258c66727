import type { Page } from 'playwright-core';

/** Signs in on the console's sign-in page and waits for the layout. */
export async function signIn(page: Page, baseUrl: string, token: string, path = '/console'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel(/API key/).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console sections' }).waitFor();
}

/** Follows a navigation link and waits for the page's heading. */
export async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Collects what the page logs as errors (CSP violations show up here). */
export function collectBrowserErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (400|401|403|404|409)/.test(m.text())) errors.push(m.text());
  });
  return errors;
}
