// The converter's per-concern mappers on their own: the SQL connection URL forms X-Ray SDKs write,
// and the span kind of every origin X-Ray writes, in any case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originSpanName, spanKind } from '../../src/merge/convert/origin.ts';
import { databaseOfUrl } from '../../src/merge/convert/sql.ts';
import type { SegmentDocument } from '../../src/merge/segment-schema.ts';

describe('databaseOfUrl: the database and host of a connection URL', () => {
  const cases: Array<[string, string, { database?: string; host?: string }]> = [
    [
      'JDBC (Java SDK, the developer guide example)',
      'jdbc:postgresql://aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432/ebdb',
      { database: 'ebdb', host: 'aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com' },
    ],
    [
      'host:port/database (Node.js SDK, mysql)',
      'orders-db.internal:3306/shop',
      { database: 'shop', host: 'orders-db.internal' },
    ],
    [
      'a scheme and a user (Python SDK, SQLAlchemy)',
      'postgresql://app@db.internal/orders',
      { database: 'orders', host: 'db.internal' },
    ],
    [
      'JDBC properties after the database',
      'jdbc:mysql://db.internal:3306/inventory;useSSL=true',
      { database: 'inventory', host: 'db.internal' },
    ],
    [
      'an escaped database name',
      'postgresql://db.internal/my%20db',
      { database: 'my db', host: 'db.internal' },
    ],
    ['no database', 'jdbc:sqlserver://sql.internal:1433', { host: 'sql.internal' }],
    ['not a URL', '::::', {}],
  ];
  for (const [label, url, expected] of cases) {
    it(label, () => assert.deepEqual(databaseOfUrl(url), expected));
  }
});

describe('spanKind: name and type from what a document is', () => {
  const doc = (fields: Partial<SegmentDocument>): SegmentDocument =>
    ({
      id: '0123456789abcdef',
      name: 'x',
      start_time: 1,
      end_time: 2,
      subsegments: [],
      ...fields,
    }) as SegmentDocument;
  const cases: Array<[string, SegmentDocument, boolean, string, string]> = [
    [
      'Lambda function segment',
      doc({ origin: 'AWS::Lambda::Function' }),
      true,
      'aws.lambda.function',
      'serverless',
    ],
    [
      'Lambda service segment, never aws.lambda',
      doc({ origin: 'AWS::Lambda' }),
      true,
      'aws.lambda.service',
      'serverless',
    ],
    ['the same in lowercase', doc({ origin: 'aws::lambda' }), true, 'aws.lambda.service', 'serverless'],
    ['SNS as X-Ray infers it', doc({ origin: 'AWS::SNS' }), true, 'aws.sns', 'queue'],
    ['SNS topic', doc({ origin: 'AWS::SNS::Topic' }), true, 'aws.sns.topic', 'queue'],
    ['S3 bucket', doc({ origin: 'AWS::S3::Bucket' }), true, 'aws.s3.bucket', 'http'],
    ['ECS on Fargate', doc({ origin: 'AWS::ECS::Fargate' }), true, 'aws.ecs.fargate', 'web'],
    ['App Runner', doc({ origin: 'AWS::AppRunner::Service' }), true, 'aws.apprunner.service', 'web'],
    [
      'classic load balancer',
      doc({ origin: 'AWS::ElasticLoadBalancing::LoadBalancer' }),
      true,
      'aws.elasticloadbalancing.loadbalancer',
      'web',
    ],
    ['another AWS origin: an HTTP call', doc({ origin: 'AWS::STS' }), true, 'aws.sts', 'http'],
    ['not AWS', doc({ origin: 'Custom::Thing' }), true, 'custom.thing', 'custom'],
    ['DynamoDB call', doc({ namespace: 'aws', name: 'DynamoDB' }), false, 'aws.request', 'db'],
    [
      'dynamodb call (Go, Node.js SDKs)',
      doc({ namespace: 'aws', name: 'dynamodb' }),
      false,
      'aws.request',
      'db',
    ],
    ['namespace in capitals', doc({ namespace: 'AWS', name: 'SQS' }), false, 'aws.request', 'http'],
    ['remote HTTP call', doc({ namespace: 'Remote', http: {} }), false, 'http.request', 'http'],
    ['SQL query', doc({ sql: {} }), false, 'sql.query', 'sql'],
    ['a web segment', doc({ http: { request: {} } }), true, 'xray.segment', 'web'],
    ['a plain subsegment', doc({}), false, 'xray.subsegment', 'custom'],
  ];
  for (const [label, document, segment, name, type] of cases) {
    it(label, () => assert.deepEqual(spanKind(document, segment), { name, type }));
  }

  it('originSpanName is the same in any case', () => {
    assert.equal(originSpanName('AWS::DynamoDB::Table'), originSpanName('aws::dynamodb::table'));
  });
});
