import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.AUDIT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A headless Chromium for page tests. Its own background traffic (updates, safe browsing, field
 * trials) is switched off, so every request a test sees comes from the page.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
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
