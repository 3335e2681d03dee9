/**
 * The layer's redirect entry, CommonJS (`handler.cjs`), for code that `require()`s
 * `xray-dd-merge/handler`. The runtime itself picks the ESM entry (`handler.mjs`), which can wait
 * for any module; see `redirect-esm.ts` for why loading is done before `handler` is exported.
 *
 * Here the user's module is loaded synchronously: CommonJS with `require`, ESM through Node's
 * `require(esm)`. An ESM module with top-level await cannot load this way and fails with a message
 * naming the ESM entry. `require()` is what dd-trace's own Lambda hook would see; it is turned off
 * when this package loads dd-trace (see `loadTracer` in tracer/dd-trace.ts for why).
 */

import { redirectTarget, startTracerEarly, wrapRedirected } from './redirect-core.ts';
import { requireUserHandler } from './user-handler.ts';

const target = redirectTarget();
startTracerEarly();

export const handler = wrapRedirected(requireUserHandler(target.taskRoot, target.handler));
