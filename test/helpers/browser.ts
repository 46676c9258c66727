import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core (browser downloads are not possible here; .ci/run installs
 * the package when missing). CHROMIUM_PATH (or AUDIT_TEST_CHROMIUM) points elsewhere when needed.
 */
export const CHROMIUM_PATH =
  process.env.CHROMIUM_PATH ?? process.env.AUDIT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A headless Chromium for page tests. Its own background traffic (updates, safe browsing, field
 * trials) is switched off, so every request a test sees comes from the page.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
