/**
 * Puts this test process in the environment dd-trace sees in Lambda, exporting to a loopback agent
 * stand-in. Call before the wrapper (and so dd-trace) is first loaded.
 */

import { type AgentStandIn, startAgent } from './agent.ts';

export const FUNCTION_NAME = 'checkout-fn';
export const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAME}`;

export async function lambdaProcess(env: Record<string, string> = {}): Promise<AgentStandIn> {
  const agent = await startAgent();
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_REGION: 'eu-west-1',
    DD_TRACE_AGENT_URL: agent.url,
    DD_TRACE_EXPERIMENTAL_EXPORTER: 'agent',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
    ...env,
  });
  return agent;
}

/**
 * As {@link lambdaProcess}, for tests that also run datadog-lambda-js in this process: its metrics,
 * cold-start spans, console patching and log lines off, its traces to the same agent.
 */
export function lambdaProcessWithPeer(): Promise<AgentStandIn> {
  return lambdaProcess({
    DD_ENHANCED_METRICS: 'false',
    DD_FLUSH_TO_LOG: 'true',
    DD_COLD_START_TRACING: 'false',
    DD_LOGS_INJECTION: 'false',
    DD_LOG_LEVEL: 'error',
  });
}

let requestCounter = 0;

/** A Lambda context as the runtime client builds it. */
export function lambdaContext(overrides: Record<string, unknown> = {}) {
  requestCounter += 1;
  return {
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `${FUNCTION_ARN}:live`,
    memoryLimitInMB: '128',
    awsRequestId: `req-${requestCounter}`,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    ...overrides,
  };
}
