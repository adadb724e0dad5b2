import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { satisfiesVersionRange } from '../../src/adapter/version-range.js';

// The `semver` package (a dev dependency of the repo, used by the release checks) is the
// reference; it ships no types.
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};

const RANGES = ['>=5.4.0 <7', '^3.1.0', '^2.2.4', '>=8.13.0 <10', '^0.2.3', '^0.0.4', '>=1 <2'];
const part = fc.integer({ min: 0, max: 12 });
const version = fc.tuple(part, part, part).map(([a, b, c]) => `${a}.${b}.${c}`);

describe('satisfiesVersionRange', () => {
  it('agrees with the semver package on the peer ranges of the adapters', () => {
    fc.assert(
      fc.property(version, fc.constantFrom(...RANGES), (v, range) => {
        expect(satisfiesVersionRange(v, range)).toBe(semver.satisfies(v, range));
      }),
    );
  });

  it('agrees with semver on ranges made of any comparators', () => {
    const comparator = fc
      .tuple(fc.constantFrom('>=', '<', '<=', '>', '=', '^'), version)
      .map(([op, v]) => `${op}${v}`);
    fc.assert(
      fc.property(version, fc.array(comparator, { minLength: 1, maxLength: 3 }), (v, cs) => {
        const range = cs.join(' ');
        expect(satisfiesVersionRange(v, range), range).toBe(semver.satisfies(v, range));
      }),
    );
  });

  it('never accepts a pre-release or a text that is not a version', () => {
    expect(satisfiesVersionRange('6.0.0-beta.1', '>=5.4.0 <7')).toBe(false);
    expect(satisfiesVersionRange('latest', '>=5.4.0 <7')).toBe(false);
    expect(satisfiesVersionRange('5.11.1+build.7', '>=5.4.0 <7')).toBe(true);
  });

  it('refuses range syntax it does not implement, rather than guessing', () => {
    for (const range of ['^1 || ^2', '~1.2.3', '1.x', '>5.4', '<=2', ''])
      expect(() => satisfiesVersionRange('1.2.3', range), range).toThrow(TypeError);
  });
});
