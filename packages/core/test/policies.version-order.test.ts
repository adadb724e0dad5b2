import {
  compareVersions,
  latestVersion,
  modelKey,
  type PolicyView,
  type ScoreEnvelope,
} from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ref } from './harness.js';

const sign = (n: number) => Math.sign(n);

describe('compareVersions: the version rule', () => {
  const ascending: [string, string[]][] = [
    ['numbers compare by value', ['1', '2', '9', '10', '100']],
    ['dotted segments compare one by one', ['1.2.0', '1.9.0', '1.10.0', '2.0.0']],
    ['a pre-release ranks below its release', ['2.0.0-rc1', '2.0.0']],
    [
      'pre-releases in semver order',
      [
        '1.0.0-alpha',
        '1.0.0-alpha.1',
        '1.0.0-beta',
        '1.0.0-beta.2',
        '1.0.0-beta.11',
        '1.0.0-rc.1',
        '1.0.0',
      ],
    ],
    ['a pre-release of a newer release ranks above an older release', ['1.9.9', '2.0.0-alpha']],
    ['text ranks above numbers in the same place', ['1.0.9', '1.0.x']],
  ];
  it.each(ascending)('%s', (_, versions) => {
    for (let i = 0; i + 1 < versions.length; i++) {
      expect(
        sign(compareVersions(versions[i]!, versions[i + 1]!)),
        `${versions[i]} < ${versions[i + 1]}`,
      ).toBe(-1);
      expect(sign(compareVersions(versions[i + 1]!, versions[i]!))).toBe(1);
    }
  });

  it('ignores a leading v or V, and build metadata after +, for rank', () => {
    expect(sign(compareVersions('v2', '10'))).toBe(-1);
    expect(sign(compareVersions('V10', 'v9'))).toBe(1);
    expect(sign(compareVersions('1.0.0+build.9', '1.0.1'))).toBe(-1);
    expect(sign(compareVersions('1.0.0+build.9', '1.0.0-rc1'))).toBe(1);
  });

  it('breaks ties of equal rank by the string, so distinct versions never compare equal', () => {
    for (const [a, b] of [
      ['V2', 'v2'],
      ['01', '1'],
      ['v2', '2'],
      ['1.0', '1'],
      ['1.0.0+a', '1.0.0+b'],
    ] as const) {
      expect(compareVersions(a, b), `${a} vs ${b}`).not.toBe(0);
      expect(sign(compareVersions(a, b))).toBe(-sign(compareVersions(b, a)));
      expect(sign(compareVersions(a, b))).toBe(a < b ? -1 : 1);
    }
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
  });

  it('ranks a tie-broken pair next to each other: 01 and 1 both rank below 2 and above 0', () => {
    expect(['2', '1', '0', '01'].sort(compareVersions)).toEqual(['0', '01', '1', '2']);
  });

  describe('is a total order (fast-check)', () => {
    const part = fc.oneof(
      fc.constantFrom(
        '0',
        '1',
        '01',
        '2',
        '9',
        '10',
        '007',
        'alpha',
        'beta',
        'rc',
        'rc1',
        'RC1',
        'x',
        '',
      ),
      fc.nat(30).map(String),
      fc.bigInt({ min: 0n, max: 10n ** 400n }).map(String),
      fc.string({ maxLength: 3 }),
    );
    const version = fc
      .tuple(
        fc.constantFrom('', 'v', 'V'),
        fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => p.join('.')),
        fc.option(
          fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => `-${p.join('.')}`),
          { nil: '' },
        ),
        fc.option(
          part.map((p) => `+${p}`),
          { nil: '' },
        ),
      )
      .map((t) => t.join(''));
    const anyVersion = fc.oneof(version, fc.string({ maxLength: 8 }));

    it('is reflexive and antisymmetric: compare(a, b) = -compare(b, a), and 0 only for equal strings', () => {
      fc.assert(
        fc.property(anyVersion, anyVersion, (a, b) => {
          expect(sign(compareVersions(a, b)) + sign(compareVersions(b, a))).toBe(0);
          expect(compareVersions(a, b) === 0).toBe(a === b);
        }),
        { numRuns: 2000 },
      );
    });

    it('is transitive', () => {
      fc.assert(
        fc.property(anyVersion, anyVersion, anyVersion, (a, b, c) => {
          const [x, y, z] = [a, b, c].sort(compareVersions);
          expect(compareVersions(x!, y!)).toBeLessThanOrEqual(0);
          expect(compareVersions(y!, z!)).toBeLessThanOrEqual(0);
          expect(compareVersions(x!, z!)).toBeLessThanOrEqual(0);
        }),
        { numRuns: 2000 },
      );
    });

    it('sorting is stable under any input order', () => {
      fc.assert(
        fc.property(fc.array(anyVersion, { maxLength: 12 }), (versions) => {
          const once = [...versions].sort(compareVersions);
          expect([...versions].reverse().sort(compareVersions)).toEqual(once);
        }),
      );
    });
  });
});

describe('latestVersion ranks every model by version, across model names', () => {
  const ok = (key: string): ScoreEnvelope => ({
    v: 1,
    requestId: 'r1',
    model: { ...ref(key), instance: 'i' },
    ok: true,
    output: key,
    receivedAt: 0,
    startedAt: 0,
    finishedAt: 1,
  });
  const view = (live: string[], scores: string[]): PolicyView => ({
    requestId: 'r1',
    startedAt: 0,
    deadline: 1000,
    now: 10,
    random: 0.5,
    live: live.map(ref),
    scores: scores.map(ok),
  });

  it('waits for the newest version overall, whatever its name (the reference rule)', () => {
    expect(latestVersion().decide(view(['dt@2', 'lr@10'], ['dt@2'])).action).toBe('wait');
    const d = latestVersion().decide(view(['dt@2', 'lr@10'], ['dt@2', 'lr@10']));
    expect(d.action === 'answer' && modelKey(d.score.model)).toBe('lr@10');
  });

  it('a release outranks its release candidate', () => {
    const d = latestVersion().decide(
      view(['dt@2.0.0', 'dt@2.0.0-rc1'], ['dt@2.0.0-rc1', 'dt@2.0.0']),
    );
    expect(d.action === 'answer' && modelKey(d.score.model)).toBe('dt@2.0.0');
    expect(
      latestVersion().decide(view(['dt@2.0.0', 'dt@2.0.0-rc1'], ['dt@2.0.0-rc1'])).action,
    ).toBe('wait');
  });

  it('orders models of the same version by name, whatever order they are live in', () => {
    for (const live of [
      ['b@1', 'a@1'],
      ['a@1', 'b@1'],
    ]) {
      const d = latestVersion().decide({ ...view(live, ['b@1', 'a@1']), now: 1000 });
      expect(d.action === 'answer' && modelKey(d.score.model)).toBe('a@1');
    }
  });
});
