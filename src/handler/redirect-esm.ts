/**
 * The layer's redirect entry, ESM (`handler.mjs`; the runtime tries `.mjs` before `.cjs`, so
 * `/opt/nodejs/node_modules/xray-dd-merge/handler.handler` lands here on nodejs22.x and nodejs24.x).
 *
 * The user's handler is loaded with top-level await while the runtime imports this module, so when
 * the runtime reads `handler` it is already the wrapped user handler, with the user handler's arity
 * and response-streaming markers: the runtime picks buffered or streaming mode, and refuses callback
 * handlers on nodejs24.x, exactly as it would without the layer. A missing module or export fails
 * the runtime's init with `Runtime.ImportModuleError` / `Runtime.HandlerNotFound`, as it would
 * without the layer. A lazily loaded handler could not do any of this: it would have to be exported
 * before its markers and arity are known.
 */

import { redirectTarget, startTracerEarly, wrapRedirected } from './redirect-core.ts';
import { importUserHandler } from './user-handler.ts';

const target = redirectTarget();
startTracerEarly();

export const handler = wrapRedirected(await importUserHandler(target.taskRoot, target.handler));
