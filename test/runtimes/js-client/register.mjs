// `node --import` this file to run aws-lambda-ric without its native client: its
// `require('./rapid-client.node')` resolves to rapid-client.cjs beside this file.
import { registerHooks } from 'node:module';

const transport = new URL('./rapid-client.cjs', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === './rapid-client.node' && context.parentURL?.includes('/aws-lambda-ric/')) {
      return { url: transport, format: 'commonjs', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
