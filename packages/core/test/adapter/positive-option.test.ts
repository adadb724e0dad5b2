import { ConfigurationError } from '@rendezvous-ml/core';
import { positiveOption } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

describe('positiveOption', () => {
  it('takes the value or its default, and refuses zero, negatives, NaN and Infinity by name', () => {
    expect(positiveOption('blockMs', undefined, 2000)).toBe(2000);
    expect(positiveOption('blockMs', 0.5, 2000)).toBe(0.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => positiveOption('blockMs', bad, 2000)).toThrow(
        new ConfigurationError('blockMs must be positive'),
      );
  });
});
