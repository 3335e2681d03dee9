// The demo's choice of runtime client: the real one wherever its native part is built and loads,
// else the same aws-lambda-ric with the project's JS Runtime API client, with one line saying so,
// why, and what to install.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRuntimeClient } from '../../scripts/demo/function-runner.ts';
import { aptCommand, missingTools, nativeReady } from '../../scripts/runtime-clients.mjs';

describe('the demo runs the function under', () => {
  for (const major of [22, 24] as const) {
    it(`nodejs${major}.x: the real client when it is built, else the JS client, announced`, () => {
      const { client, instead } = chooseRuntimeClient(major);
      assert.equal(client.major, major);
      const built = nativeReady(String(major), client.node);
      assert.equal(client.native, built);
      if (built) {
        assert.equal(instead, undefined);
        assert.ok(!client.args.includes('--import'), 'nothing replaces the native client');
      } else {
        assert.ok(instead, 'says what it uses instead');
        assert.doesNotMatch(instead, /\n/, 'in one line');
        assert.match(
          instead,
          new RegExp(`^aws-lambda-ric ${client.ricVersion.replaceAll('.', '\\.')} with the project's JS`),
        );
        const missing = missingTools(String(major));
        if (missing.length > 0) assert.ok(instead.includes(aptCommand(missing)), 'names what to install');
        else assert.match(instead, /node scripts\/prepare\.mjs/);
      }
    });
  }
});
