/**
 * The layer's redirect entry, CommonJS (`handler.cjs`), for code that `require()`s
 * `xray-dd-merge/handler`. The runtime itself picks the ESM entry (`handler.mjs`), which can wait
 * for any module; see `redirect-esm.ts` for why loading is done before `handler` is exported.
 *
 * Here the user's module is loaded synchronously: CommonJS with `require`, ESM through Node's
 * `require(esm)`. An ESM module with top-level await cannot load this way and fails with a message
 * naming the ESM entry. Note that `require()` is what dd-trace's own Lambda hook sees: it then wraps
 * the user's export with its timeout wrapper, inside this package's wrapper.
 */

import { redirectTarget, startTracerEarly, wrapRedirected } from './redirect-core.ts';
import { requireUserHandler } from './user-handler.ts';

const target = redirectTarget();
startTracerEarly();

export const handler = wrapRedirected(requireUserHandler(target.taskRoot, target.handler));
