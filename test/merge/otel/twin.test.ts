// An X-Ray trace and its OpenTelemetry twin (test/fixtures/otel/twin, see SOURCE.md) give the same
// spans in everything the merge depends on: ids, parents, service, times, error, the X-Ray trace
// id, Datadog's tag names for HTTP and AWS calls, and sampling priority. Names and resources
// differ by design: X-Ray spans are named by origin and namespace (aws.request), OTel spans as
// Datadog's OTLP ingest names them (aws.dynamodb.request).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DatadogSpan } from '../../../src/merge/span.ts';
import { convertTraceInput, readTraceInput } from '../../../src/merge/trace-input.ts';

const TWIN = new URL('../../fixtures/otel/twin/', import.meta.url);
const SHARED_META = [
  '_dd.p.tid',
  '_merge.origin',
  'xray.trace_id',
  'http.method',
  'http.url',
  'http.status_code',
  'tablename',
  'region',
  'aws.operation',
  'error.message',
  'error.type',
];

function project(span: DatadogSpan) {
  return {
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_id: span.parent_id,
    service: span.service,
    start: span.start,
    duration: span.duration,
    error: span.error,
    meta: Object.fromEntries(
      SHARED_META.filter((k) => span.meta[k] !== undefined).map((k) => [k, span.meta[k]]),
    ),
    priority: span.metrics._sampling_priority_v1,
  };
}

function spansOf(file: string, idMode: 'compat' | 'full128') {
  return convertTraceInput(readTraceInput(readFileSync(new URL(file, TWIN), 'utf8')), { idMode });
}

describe('X-Ray document and its OTEL twin', () => {
  for (const idMode of ['compat', 'full128'] as const) {
    it(`give the same spans (${idMode})`, () => {
      const xray = spansOf('xray.json', idMode);
      const otel = spansOf('otel.ndjson', idMode);
      assert.deepEqual(xray.skipped, []);
      assert.deepEqual(otel.skipped, []);
      assert.equal(xray.spans.length, 3);
      assert.deepEqual(otel.spans.map(project), xray.spans.map(project));
      // The projection is not empty where it matters.
      const failed = otel.spans.find((s) => s.error === 1);
      assert.equal(failed?.meta['error.type'], 'ConditionalCheckFailedException');
      assert.equal(failed?.meta.tablename, 'scorekeep-user');
    });
  }

  it('names differ by design', () => {
    const xray = spansOf('xray.json', 'compat').spans.map((s) => `${s.name} ${s.resource}`);
    const otel = spansOf('otel.ndjson', 'compat').spans.map((s) => `${s.name} ${s.resource}`);
    assert.deepEqual(xray, [
      'xray.segment GET /api/user',
      'aws.request GetItem scorekeep-user',
      'aws.request UpdateItem scorekeep-user',
    ]);
    assert.deepEqual(otel, [
      'http.server.request GET',
      'aws.dynamodb.request GetItem DynamoDB',
      'aws.dynamodb.request UpdateItem DynamoDB',
    ]);
  });
});
