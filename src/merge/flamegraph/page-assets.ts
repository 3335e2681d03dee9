/**
 * The flame graph page's style and script, kept as real files beside this module (`page.css`,
 * `page.js`) so editors, linters and reviewers see CSS and JS. Read here from the source tree; the
 * build (scripts/build.mjs) replaces this module with their text, so the bundles carry them.
 */

import { readFileSync } from 'node:fs';

export const STYLE = readFileSync(new URL('./page.css', import.meta.url), 'utf8');
export const CLIENT_SCRIPT = readFileSync(new URL('./page.js', import.meta.url), 'utf8');
