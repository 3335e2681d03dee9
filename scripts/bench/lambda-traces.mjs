// Generated Lambda traces for the merger's benches, in the shape `BatchGetTraces` returns them.
import { randomBytes } from 'node:crypto';

/** Random hex ids, drawn from one pool refilled now and then: one crypto call per id would dominate generation. */
let pool = '';
function hex(bytes) {
  if (pool.length < bytes * 2) pool = randomBytes(65_536).toString('hex');
  const id = pool.slice(0, bytes * 2);
  pool = pool.slice(bytes * 2);
  return id;
}
export const SEGMENTS_PER_TRACE = 7;

/**
 * One Lambda trace as X-Ray records it: the Lambda service segment, the function segment (its
 * Invocation with a DynamoDB call and an HTTP call, and Overhead), and DynamoDB's inferred segment.
 * Seven (sub)segments in three documents.
 */
export function lambdaTrace(index) {
  const start = 1_767_225_600 + index * 0.013;
  const traceId = `1-${Math.floor(start).toString(16)}-${hex(12)}`;
  const [service, fn, invocation, dynamo, http, overhead] = [hex(8), hex(8), hex(8), hex(8), hex(8), hex(8)];
  const failed = index % 50 === 0;
  const documents = [
    {
      id: service,
      name: 'orders-api',
      trace_id: traceId,
      start_time: start,
      end_time: start + 0.412,
      origin: 'AWS::Lambda',
      http: { response: { status: failed ? 500 : 200 } },
      aws: { request_id: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}` },
      ...(failed ? { fault: true } : {}),
    },
    {
      id: fn,
      name: 'orders-api',
      trace_id: traceId,
      parent_id: service,
      start_time: start + 0.004,
      end_time: start + 0.405,
      origin: 'AWS::Lambda::Function',
      resource_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
      aws: {
        account_id: '123456789012',
        function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
        resource_names: ['orders-api'],
      },
      annotations: { tenant: 'acme', order_total: 19.9, premium: index % 3 === 0 },
      subsegments: [
        {
          id: invocation,
          name: 'Invocation',
          start_time: start + 0.004,
          end_time: start + 0.398,
          subsegments: [
            {
              id: dynamo,
              name: 'DynamoDB',
              namespace: 'aws',
              start_time: start + 0.01,
              end_time: start + 0.031,
              http: { response: { status: 200, content_length: 512 } },
              aws: {
                operation: 'GetItem',
                region: 'eu-west-1',
                request_id: hex(16),
                retries: 0,
                table_name: 'orders',
                resource_names: ['orders'],
              },
            },
            {
              id: http,
              name: 'payments.example.com',
              namespace: 'remote',
              start_time: start + 0.04,
              end_time: start + 0.39,
              http: {
                request: { method: 'POST', url: 'https://payments.example.com/v1/charges' },
                response: { status: failed ? 502 : 201 },
              },
              ...(failed
                ? {
                    fault: true,
                    cause: {
                      working_directory: '/var/task',
                      exceptions: [{ id: hex(8), message: 'Bad Gateway', type: 'HTTPError' }],
                    },
                  }
                : {}),
            },
          ],
        },
        { id: overhead, name: 'Overhead', start_time: start + 0.398, end_time: start + 0.405 },
      ],
    },
    {
      id: hex(8),
      name: 'DynamoDB',
      trace_id: traceId,
      parent_id: dynamo,
      start_time: start + 0.011,
      end_time: start + 0.03,
      inferred: true,
      origin: 'AWS::DynamoDB::Table',
      http: { response: { status: 200 } },
      aws: { operation: 'GetItem', region: 'eu-west-1', table_name: 'orders' },
    },
  ];
  return {
    Id: traceId,
    Segments: documents.map((document) => ({ Id: document.id, Document: JSON.stringify(document) })),
  };
}
