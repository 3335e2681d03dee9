/**
 * Real headless Chromium (Debian's `chromium` package) driven by playwright-core, for tests of
 * anything a person looks at, plus a watcher that records what a page did behind the scenes:
 * network requests, console errors, uncaught exceptions and dialogs.
 */

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Launches headless Chromium, or throws saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: these tests need real Chromium. Install it with \`apt-get install chromium\` (CI does).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface PageWatch {
  /** Every request URL the page made, in order. */
  readonly requests: string[];
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  /** Messages of alert/confirm/prompt/beforeunload dialogs (each is dismissed). */
  readonly dialogs: string[];
}

/** Starts recording a page's requests, errors and dialogs; call before navigating. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { requests: [], errors: [], dialogs: [] };
  page.on('request', (request) => watch.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(String(error)));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return watch;
}
