/**
 * Real headless Chromium (Debian's `chromium` package) driven by playwright-core, for tests of
 * anything a person looks at, plus a watcher that records what a page did behind the scenes:
 * network requests, console errors, uncaught exceptions and dialogs; `openHtmlPage` does both for
 * a page the code under test rendered.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

export interface OpenedPage {
  readonly page: Page;
  readonly watch: PageWatch;
  /** Closes the browser and removes the page's file. */
  close(): Promise<void>;
}

/**
 * Writes `html` to a file of its own and opens it in headless Chromium (1400x900), watched from
 * before it loads; resolves once the page says it has drawn (`body[data-rendered="true"]`, as the
 * flame graph sets it).
 */
export async function openHtmlPage(html: string, name: string): Promise<OpenedPage> {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = path.join(dir, `${name}.html`);
    await writeFile(file, html);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const watch = watchPage(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-rendered="true"]');
    return { page, watch, close };
  } catch (error) {
    await close();
    throw error;
  }
}
