/**
 * Policy specs: every valid spec builds the policy its builder gives (same name, same decisions
 * on random views); anything else is refused with a ConfigurationError that names the JSON
 * pointer of the problem, and never with another error.
 */
import {
  ConfigurationError,
  first,
  type Json,
  latestVersion,
  type PolicySpec,
  type PolicyView,
  policyFromSpec,
  priority,
  quorum,
  type RendezvousPolicy,
  type ScoreEnvelope,
  shadow,
  split,
  staged,
} from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const MODELS = ['dt@1', 'dt@2', 'lr@0', 'lr@1'] as const;
const SELECTORS = [...MODELS, 'dt', 'lr', 'nn@3'];

interface Built {
  readonly spec: PolicySpec;
  readonly hand: () => RendezvousPolicy;
}

const selectors = (min: number) =>
  fc.uniqueArray(fc.constantFrom(...SELECTORS), { minLength: min, maxLength: 4 });

const leaf: fc.Arbitrary<Built> = fc.oneof(
  fc.constant<Built>({ spec: { policy: 'first' }, hand: first }),
  fc.constant<Built>({ spec: { policy: 'latestVersion' }, hand: latestVersion }),
  fc
    .record({ order: fc.option(selectors(1), { nil: undefined }), only: fc.boolean() })
    .map(({ order, only }): Built => {
      const opts = order === undefined ? {} : only ? { order, only } : { order };
      return { spec: { policy: 'priority', ...opts }, hand: () => priority(opts) };
    }),
  fc.record({ k: fc.integer({ min: 1, max: 4 }), byLabel: fc.boolean() }).map(
    ({ k, byLabel }): Built => ({
      spec: byLabel ? { policy: 'quorum', k, key: '/label' } : { policy: 'quorum', k },
      hand: () =>
        byLabel
          ? quorum(k, {
              key: (o) => JSON.stringify((o as { label?: Json } | null)?.label) ?? '',
            })
          : quorum(k),
    }),
  ),
  fc
    .record({
      weights: fc.dictionary(fc.constantFrom(...SELECTORS), fc.integer({ min: 1, max: 100 }), {
        minKeys: 1,
      }),
      fallback: fc.option(selectors(0), { nil: undefined }),
      only: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map(({ weights, fallback, only }): Built => {
      const options = {
        ...(fallback === undefined ? {} : { fallback }),
        ...(only === undefined ? {} : { only }),
      };
      return {
        spec: { policy: 'split', weights, ...options },
        hand: () => split(weights, options),
      };
    }),
  fc
    .array(fc.record({ gap: fc.integer({ min: 1, max: 300 }), accept: selectors(1) }), {
      minLength: 1,
      maxLength: 4,
    })
    .chain((windows) =>
      fc.boolean().map((openEnded): Built => {
        let until = 0;
        const stages = windows.map((w, i) => {
          until += w.gap;
          return openEnded && i === windows.length - 1
            ? { accept: w.accept }
            : { untilMs: until, accept: w.accept };
        });
        return { spec: { policy: 'staged', stages }, hand: () => staged(stages) };
      }),
    ),
);

const built: fc.Arbitrary<Built> = fc.letrec<{ spec: Built }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ models: selectors(0), inner: tie('spec') }).map(
      ({ models, inner }): Built => ({
        spec: { policy: 'shadow', models, inner: inner.spec },
        hand: () => shadow(inner.hand(), models),
      }),
    ),
  ),
})).spec;

const score = (key: string, ok: boolean, label: string, at: number): ScoreEnvelope => {
  const [name, version] = key.split('@') as [string, string];
  const model = { name, version, instance: `${key}-a` };
  const base = {
    v: 1 as const,
    requestId: 'r',
    model,
    receivedAt: at,
    startedAt: at,
    finishedAt: at,
  };
  return ok
    ? { ...base, ok: true, output: { label } }
    : { ...base, ok: false, error: { code: 'E', message: 'x' } };
};

const view: fc.Arbitrary<PolicyView> = fc
  .record({
    live: fc.subarray([...MODELS]),
    scored: fc.subarray([...MODELS]),
    oks: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    labels: fc.array(fc.constantFrom('a', 'b'), { minLength: 4, maxLength: 4 }),
    now: fc.integer({ min: 0, max: 1200 }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ live, scored, oks, labels, now, random }) => ({
    requestId: 'r',
    startedAt: 0,
    deadline: 1000,
    now,
    live: live.map((k) => ({ name: k.split('@')[0]!, version: k.split('@')[1]! })),
    scores: scored.map((k, i) => score(k, oks[i]!, labels[i]!, i)),
    random,
  }));

describe('policyFromSpec on valid specs', () => {
  it('builds the policy the builder gives: same name, same decision on any view', () => {
    fc.assert(
      fc.property(
        built,
        fc.array(view, { minLength: 1, maxLength: 5 }),
        ({ spec, hand }, views) => {
          // The spec travels as JSON: build from what a front end would read off the wire.
          const fromSpec = policyFromSpec(JSON.parse(JSON.stringify(spec)));
          const byHand = hand();
          expect(fromSpec.name).toBe(byHand.name);
          for (const v of views) expect(fromSpec.decide(v)).toEqual(byHand.decide(v));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Replaces the value at a random place in a JSON value with junk. */
const mutate = (value: unknown, path: readonly number[], junk: unknown): unknown => {
  if (path.length === 0 || value === null || typeof value !== 'object') return junk;
  const keys = Object.keys(value);
  if (keys.length === 0) return junk;
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), junk);
  return copy;
};

const thrownBy = (spec: unknown): unknown => {
  try {
    const policy = policyFromSpec(spec);
    expect(typeof policy.name).toBe('string');
    expect(typeof policy.decide).toBe('function');
    return undefined;
  } catch (error) {
    return error;
  }
};

describe('policyFromSpec on anything else', () => {
  it('throws nothing but a ConfigurationError for random values', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (junk) => {
        const error = thrownBy(junk);
        if (error !== undefined) expect(error).toBeInstanceOf(ConfigurationError);
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but a ConfigurationError naming a JSON pointer for a valid spec with one value broken', () => {
    const junk = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, '', [], {}, undefined),
    );
    fc.assert(
      fc.property(built, fc.array(fc.nat(), { maxLength: 6 }), junk, ({ spec }, path, j) => {
        const error = thrownBy(mutate(spec, path, j));
        if (error === undefined) return;
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(/^invalid policy spec at \/.*: \S/);
      }),
      { numRuns: 500 },
    );
  });

  it('names the JSON pointer and the fix', () => {
    const cases: [unknown, string][] = [
      [
        { policy: 'shadow', models: [], inner: { policy: 'split', weights: { 'dt@2': -1 } } },
        'at /inner/weights/dt@2: expected a finite weight ≥ 0, got -1',
      ],
      [{ policy: 'split', weights: { 'a/b~': 'x' } }, 'at /weights/a~1b~0:'],
      [
        {
          policy: 'staged',
          stages: [
            { untilMs: 50, accept: ['dt'] },
            { untilMs: 40, accept: ['lr'] },
          ],
        },
        'at /stages/1/untilMs',
      ],
      [
        { policy: 'staged', stages: [{ accept: ['dt'] }, { accept: ['lr'] }] },
        'only the last stage may omit untilMs',
      ],
      [{ policy: 'quorum', k: 0 }, 'at /k: expected a positive integer'],
      [{ policy: 'priority', order: ['dt', ''] }, 'at /order/1'],
      [{ policy: 'priority', only: true }, 'at /only: only: true needs an order'],
      [
        { policy: 'first', order: ['dt'] },
        'at /order: unknown field for "first": it takes no options',
      ],
      [
        { policy: 'split', wieghts: {} },
        'at /wieghts: unknown field for "split": it takes weights, fallback, only',
      ],
      [{ policy: 'latest' }, 'at /policy: expected one of first, latestVersion, priority'],
      [{ policy: 'split', weights: { a: 0 } }, 'at /weights: the weights must add up'],
      ['first', 'at /: expected a policy spec object'],
    ];
    for (const [spec, message] of cases) {
      expect(() => policyFromSpec(spec)).toThrow(ConfigurationError);
      expect(() => policyFromSpec(spec)).toThrow(message);
    }
  });

  it('refuses a hostile nesting with a ConfigurationError, not a stack overflow', () => {
    let spec: unknown = { policy: 'first' };
    for (let i = 0; i < 10_000; i++) spec = { policy: 'shadow', models: [], inner: spec };
    expect(() => policyFromSpec(spec)).toThrow(/nest at most 16 deep/);
  });

  it('validates the whole spec before building: a late error leaves nothing built', () => {
    // A valid inner split, and a broken sibling field after it: nothing may be returned.
    const spec = { policy: 'shadow', inner: { policy: 'split', weights: { dt: 1 } }, models: [3] };
    expect(() => policyFromSpec(spec)).toThrow('at /models/0');
  });
});
