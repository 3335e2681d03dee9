import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { parseBoolean, resolveConfig } from '../src/config.ts';

describe('parseBoolean: one truthiness rule', () => {
  const table: Array<[string, boolean | undefined]> = [
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['On', true],
    [' true ', true],
    ['false', false],
    ['0', false],
    ['NO', false],
    ['off', false],
    ['', undefined],
    ['tru', undefined],
    ['2', undefined],
    ['enabled', undefined],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(parseBoolean(input), expected));
  }
});

describe('resolveConfig', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    mock.method(console, 'warn', (line: string) => warnings.push(line));
  });
  afterEach(() => mock.restoreAll());

  it('defaults', () => {
    const config = resolveConfig({}, {});
    assert.deepEqual(Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)), {
      mergeXrayTraces: false,
      traceEnabled: true,
      logLevel: 'warn',
      traceIdMode: 'compat',
      sampling: 'keep-only',
      xrayMetadata: true,
      daemonAddress: '127.0.0.1:2000',
      flushDeadlineMs: 100,
      captureLambdaPayload: false,
      decodeAuthorizerContext: true,
      traceManagedServices: true,
      awsServiceRepresentation: true,
      removeIntegrationServiceNames: false,
      encodeAuthorizerContext: true,
      addSpanPointers: true,
      coldStartTracing: false,
      minColdStartDuration: 3,
    });
    assert.ok(Object.isFrozen(config));
    assert.deepEqual(warnings, []);
  });

  it('reads the environment', () => {
    const config = resolveConfig(
      {},
      {
        DD_MERGE_XRAY_TRACES: 'YES',
        DD_TRACE_ENABLED: 'off',
        DD_SERVICE: 'checkout',
        DD_ENV: 'prod',
        DD_VERSION: '1.2.3',
        DD_LOG_LEVEL: 'DEBUG',
        DD_XRAY_TRACE_ID_MODE: 'Full128',
        DD_XRAY_SAMPLING: 'respect',
        DD_XRAY_METADATA: '0',
        AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
        DD_APM_FLUSH_DEADLINE_MILLISECONDS: '250',
        DD_DECODE_AUTHORIZER_CONTEXT: 'false',
        DD_TRACE_MANAGED_SERVICES: '0',
        DD_SERVICE_MAPPING: 'orders-queue:orders,lambda_sns:topics',
        DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED: 'false',
        DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED: 'true',
        DD_ENCODE_AUTHORIZER_CONTEXT: 'off',
      },
    );
    assert.equal(config.mergeXrayTraces, true);
    assert.equal(config.traceEnabled, false);
    assert.equal(config.service, 'checkout');
    assert.equal(config.env, 'prod');
    assert.equal(config.version, '1.2.3');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.traceIdMode, 'full128');
    assert.equal(config.sampling, 'respect');
    assert.equal(config.xrayMetadata, false);
    assert.equal(config.daemonAddress, '169.254.79.129:2000');
    assert.equal(config.flushDeadlineMs, 250);
    assert.equal(config.decodeAuthorizerContext, false);
    assert.equal(config.traceManagedServices, false);
    assert.equal(config.serviceMapping, 'orders-queue:orders,lambda_sns:topics');
    assert.equal(config.awsServiceRepresentation, false);
    assert.equal(config.removeIntegrationServiceNames, true);
    assert.equal(config.encodeAuthorizerContext, false);
    resolveConfig({}, { DD_LOG_LEVEL: 'warn' });
  });

  it('accepts DD_MERGE_DATADOG_XRAY_TRACES as an alias', () => {
    assert.equal(resolveConfig({}, { DD_MERGE_DATADOG_XRAY_TRACES: 'true' }).mergeXrayTraces, true);
  });

  it('the primary name wins over the alias', () => {
    const env = { DD_MERGE_XRAY_TRACES: 'false', DD_MERGE_DATADOG_XRAY_TRACES: 'true' };
    assert.equal(resolveConfig({}, env).mergeXrayTraces, false);
  });

  it('options win over the environment', () => {
    const config = resolveConfig(
      { mergeXrayTraces: false, traceIdMode: 'compat', service: 'from-code' },
      { DD_MERGE_XRAY_TRACES: 'true', DD_XRAY_TRACE_ID_MODE: 'full128', DD_SERVICE: 'from-env' },
    );
    assert.equal(config.mergeXrayTraces, false);
    assert.equal(config.traceIdMode, 'compat');
    assert.equal(config.service, 'from-code');
  });

  const bad: Array<[string, string, string, unknown]> = [
    ['DD_MERGE_XRAY_TRACES', 'maybe', 'mergeXrayTraces', false],
    ['DD_TRACE_ENABLED', 'enabled', 'traceEnabled', true],
    ['DD_XRAY_TRACE_ID_MODE', '64bit', 'traceIdMode', 'compat'],
    ['DD_XRAY_SAMPLING', 'always', 'sampling', 'keep-only'],
    ['DD_APM_FLUSH_DEADLINE_MILLISECONDS', '-5', 'flushDeadlineMs', 100],
    ['DD_APM_FLUSH_DEADLINE_MILLISECONDS', 'soon', 'flushDeadlineMs', 100],
    ['DD_XRAY_METADATA', 'nope', 'xrayMetadata', true],
    ['DD_DECODE_AUTHORIZER_CONTEXT', 'sometimes', 'decodeAuthorizerContext', true],
    ['DD_TRACE_MANAGED_SERVICES', 'all', 'traceManagedServices', true],
    ['DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED', 'maybe', 'awsServiceRepresentation', true],
    ['DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED', 'y', 'removeIntegrationServiceNames', false],
    ['DD_ENCODE_AUTHORIZER_CONTEXT', 'sometimes', 'encodeAuthorizerContext', true],
    ['DD_TRACE_AWS_ADD_SPAN_POINTERS', 'maybe', 'addSpanPointers', true],
    ['DD_COLD_START_TRACING', 'sure', 'coldStartTracing', false],
    ['DD_MIN_COLD_START_DURATION', 'long', 'minColdStartDuration', 3],
  ];
  for (const [variable, value, key, fallback] of bad) {
    it(`${variable}=${value}: one warning naming it, the value and the default; never throws`, () => {
      const config = resolveConfig({}, { [variable]: value });
      assert.equal(config[key as keyof typeof config], fallback);
      const mine = warnings.filter((w) => w.includes(variable));
      assert.equal(mine.length, 1, warnings.join('\n'));
      assert.match(mine[0]!, new RegExp(`${variable}="${value}"`));
      assert.match(mine[0]!, new RegExp(`using ${JSON.stringify(fallback)}`));
      // The same bad value again: no second warning.
      resolveConfig({}, { [variable]: value });
      assert.equal(warnings.filter((w) => w.includes(variable)).length, 1);
    });
  }

  it('a bad option value warns with the option name', () => {
    const config = resolveConfig({ traceIdMode: 'huge' as never }, {});
    assert.equal(config.traceIdMode, 'compat');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /option traceIdMode="huge"/);
  });

  it('DD_LOG_LEVEL=off silences the warnings of other bad values', () => {
    resolveConfig({}, { DD_LOG_LEVEL: 'off', DD_XRAY_SAMPLING: 'sometimes' });
    assert.deepEqual(warnings, []);
    resolveConfig({}, { DD_LOG_LEVEL: 'warn' });
  });
});
