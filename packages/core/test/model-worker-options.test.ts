import {
  ConfigurationError,
  type Json,
  ModelWorker,
  type ModelWorkerOptions,
} from '@rendezvous-ml/core';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';

const valid = (): ModelWorkerOptions => ({
  transport: new MemoryTransport(),
  model: { name: 'dt', version: '1' },
  predict: (x: Json) => x,
});

/** Builds options from loosely typed overrides, as plain JavaScript callers would pass them. */
const withOptions = (patch: Record<string, unknown>, model?: Record<string, unknown>) =>
  ({
    ...valid(),
    ...patch,
    ...(model ? { model: { ...valid().model, ...model } } : {}),
  }) as unknown as ModelWorkerOptions;

function configurationError(options: ModelWorkerOptions): ConfigurationError {
  try {
    new ModelWorker(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe('INVALID_CONFIGURATION');
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('ModelWorker: options are checked at construction, and the error names the fix', () => {
  it.each([
    ['the options are missing', undefined, /pass \{ transport, model, predict \}/],
    [
      'transport is missing',
      withOptions({ transport: undefined }),
      /transport is required: pass a Transport such as new MemoryTransport\(\) \(got undefined\)/,
    ],
    [
      'model is missing',
      withOptions({ model: undefined }),
      /model must be an object such as \{ name: 'iris', version: '1' \}/,
    ],
    [
      'model.name is empty',
      withOptions({}, { name: '' }),
      /model.name must be a non-empty string such as 'iris' \(got the empty string\)/,
    ],
    [
      'model.name has an @',
      withOptions({}, { name: 'dt@1' }),
      /model.name must not contain '@'.*model: \{ name: 'dt', version: '1' \}/,
    ],
    [
      'model.name has whitespace',
      withOptions({}, { name: 'my model' }),
      /model.name must not contain whitespace \(got 'my model'\)/,
    ],
    [
      'model.version is a number',
      withOptions({}, { version: 1 }),
      /model.version must be a string such as '1' \(got the number 1\)/,
    ],
    [
      'model.version has an @',
      withOptions({}, { version: '1@2' }),
      /model.version must not contain '@'/,
    ],
    [
      'model.version has whitespace',
      withOptions({}, { version: '1 ' }),
      /model.version must not contain whitespace/,
    ],
    [
      'model.instance is not a string',
      withOptions({}, { instance: 7 }),
      /model.instance must be a non-empty string such as 'dt-1-host-a', or left out \(got the number 7\)/,
    ],
    [
      'predict is missing',
      withOptions({ predict: undefined }),
      /predict must be a function \(input, context\) => output \(got undefined\)/,
    ],
    [
      'parseInput is not a function',
      withOptions({ parseInput: 'number' }),
      /parseInput must be a function \(input\) => parsed input, or left out \(got the string 'number'\)/,
    ],
    [
      'concurrency is 0',
      withOptions({ concurrency: 0 }),
      /concurrency must be a positive integer such as 8 \(got the number 0\)/,
    ],
    [
      'concurrency is fractional',
      withOptions({ concurrency: 1.5 }),
      /concurrency must be a positive integer/,
    ],
    [
      'predictTimeoutMs is negative',
      withOptions({ predictTimeoutMs: -1 }),
      /predictTimeoutMs must be a positive number of milliseconds such as 500, or left out \(got the number -1\)/,
    ],
    [
      'predictTimeoutMs is Infinity',
      withOptions({ predictTimeoutMs: Number.POSITIVE_INFINITY }),
      /predictTimeoutMs .*\(got Infinity\)/,
    ],
    [
      'heartbeatIntervalMs is a string',
      withOptions({ heartbeatIntervalMs: '1000' }),
      /heartbeatIntervalMs must be a positive number of milliseconds such as 1000 \(got the string '1000'\)/,
    ],
    [
      'heartbeatIntervalMs is NaN',
      withOptions({ heartbeatIntervalMs: Number.NaN }),
      /heartbeatIntervalMs .*\(got NaN\)/,
    ],
    [
      'maxDeliveries is 0',
      withOptions({ maxDeliveries: 0 }),
      /maxDeliveries must be a positive integer such as 5 \(got the number 0\)/,
    ],
  ])('rejects a worker whose %s', (_rule, options, message) => {
    expect(configurationError(options as ModelWorkerOptions).message).toMatch(message);
  });

  it('accepts the documented defaults and explicit valid values', () => {
    expect(() => new ModelWorker(valid())).not.toThrow();
    expect(
      () =>
        new ModelWorker({
          ...valid(),
          model: { name: 'iris-tree', version: '2024.1', instance: 'host-a' },
          parseInput: (x) => x,
          concurrency: 1,
          predictTimeoutMs: 0.5,
          heartbeatIntervalMs: 250,
          maxDeliveries: 1,
        }),
    ).not.toThrow();
  });
});
