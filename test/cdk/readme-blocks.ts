// The README's fenced code blocks that tests run or parse, found by the HTML comment before them.
import assert from 'node:assert/strict';

/** The fenced block after `marker`. */
export function readmeBlock(readme: string, marker: string): string {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README has the marker ${marker}`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(match, 'a fenced block follows the marker');
  return match[1]!;
}
