/**
 * The segments Lambda itself writes to X-Ray for one invocation, which a local run has no one to
 * write: the `AWS::Lambda` service segment (the trace's root, unless a traced caller such as API
 * Gateway invoked the function) and the `AWS::Lambda::Function`
 * segment whose id is the `Parent` the function saw in its trace header, with the `Initialization`
 * (cold start), `Invocation` and `Overhead` subsegments X-Ray shows for every function.
 */

import { randomBytes } from 'node:crypto';

export interface InvocationTiming {
  /** X-Ray Root and Parent the runtime handed the function. */
  readonly root: string;
  readonly parent: string;
  readonly requestId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly region: string;
  /** Epoch seconds (float) when the invoke was accepted and when its response came back. */
  readonly start: number;
  readonly end: number;
  /** On a cold start, how long the runtime took to start and load the function, in seconds. */
  readonly initSeconds?: number;
  readonly status: number;
  /** The caller's subsegment of the Invoke call (API Gateway's `Lambda`), when a traced caller invoked it. */
  readonly callerSubsegment?: string;
}

const hex16 = () => randomBytes(8).toString('hex');

export function lambdaSegments(timing: InvocationTiming): Record<string, unknown>[] {
  const { root, parent, start, end } = timing;
  const serviceId = hex16();
  const init = timing.initSeconds;
  const functionStart = init !== undefined ? start - init : start + 0.0008;
  const invocationStart = init !== undefined ? start : functionStart;
  const serviceStart = Math.min(start, functionStart) - 0.0005;
  const overhead = 0.0006;
  return [
    {
      name: timing.functionName,
      id: serviceId,
      ...(timing.callerSubsegment !== undefined ? { parent_id: timing.callerSubsegment } : {}),
      trace_id: root,
      origin: 'AWS::Lambda',
      start_time: serviceStart,
      end_time: end,
      http: { response: { status: timing.status } },
      aws: { request_id: timing.requestId },
    },
    {
      name: timing.functionName,
      id: parent,
      parent_id: serviceId,
      trace_id: root,
      origin: 'AWS::Lambda::Function',
      start_time: functionStart,
      end_time: end,
      aws: {
        function_arn: timing.functionArn,
        resource_names: [timing.functionName],
        account_id: timing.functionArn.split(':')[4],
      },
      subsegments: [
        ...(init !== undefined
          ? [{ name: 'Initialization', id: hex16(), start_time: functionStart, end_time: start }]
          : []),
        { name: 'Invocation', id: hex16(), start_time: invocationStart, end_time: end - overhead },
        { name: 'Overhead', id: hex16(), start_time: end - overhead, end_time: end },
      ],
    },
  ];
}
