/**
 * Property tests of every built-in policy, driven through a real `Rendezvous` on the memory
 * transport and virtual time, with random score arrival times, errors, silent models and models
 * that are not running. Each request must settle exactly once, by its deadline, with the model
 * (or the error) the policy's documented rule gives for what had arrived by then.
 */
import {
  compareVersions,
  definePolicy,
  first,
  latestVersion,
  modelKey,
  priority,
  quorum,
  type RendezvousPolicy,
  type RendezvousResult,
  type Stage,
  split,
  staged,
} from '@rendezvous-ml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frontEndRig, ref, type Script, type Tracked, track } from './harness.js';

const DEADLINE = 1000;
/** Model versions that may run; their versions exercise the version rule. */
const POOL = ['a@1', 'a@2', 'b@1', 'b@10', 'c@2.0.0-rc1', 'c@2.0.0'] as const;
const RUNS = 60;

/** What one model does for one request. Times are distinct across models (see `arrival`). */
type Outcome =
  | { readonly kind: 'silent' }
  | { readonly kind: 'ok' | 'err'; readonly slot: number; readonly out: string };

interface Scenario {
  /** Which pool models run (and so are live). */
  readonly running: readonly boolean[];
  /** One entry per request: delay before sending it, and each pool model's outcome. */
  readonly requests: readonly { readonly delay: number; readonly outcomes: readonly Outcome[] }[];
  readonly random: number;
}

/**
 * A score's arrival, in ms after its request: `8 * slot + index + 1`, so no two models of one
 * request score at the same time, and no score lands on a multiple of 8 (window ends, the deadline).
 */
const arrival = (index: number, slot: number) => 8 * slot + index + 1;

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'silent' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('ok' as const, 'ok' as const, 'err' as const),
      slot: fc.integer({ min: 0, max: 123 }),
      out: fc.constantFrom('x', 'y'),
    }),
  },
);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  running: fc.array(fc.boolean(), { minLength: POOL.length, maxLength: POOL.length }),
  requests: fc.array(
    fc.record({
      delay: fc.integer({ min: 0, max: 40 }),
      outcomes: fc.array(outcome, { minLength: POOL.length, maxLength: POOL.length }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

/** What a request must come to, relative to its start. */
interface Expected {
  readonly at: number;
  readonly chosen?: string;
  readonly error?: 'DEADLINE_EXCEEDED' | 'NO_USABLE_SCORE';
}

/** A score that has arrived: model key, whether it is ok, its output, its arrival (relative ms). */
interface Arrived {
  readonly key: string;
  readonly ok: boolean;
  readonly out: string;
  readonly at: number;
}

function arrivals(live: readonly string[], outcomes: readonly Outcome[]): Arrived[] {
  const got: Arrived[] = [];
  POOL.forEach((key, i) => {
    const o = outcomes[i]!;
    if (!live.includes(key) || o.kind === 'silent') return;
    got.push({ key, ok: o.kind === 'ok', out: o.out, at: arrival(i, o.slot) });
  });
  return got.sort((x, y) => x.at - y.at);
}

const newestFirst = (x: string, y: string) =>
  -compareVersions(ref(x).version, ref(y).version) || (ref(x).name < ref(y).name ? -1 : 1);

/** A model's rank: lower is better; `undefined` is not acceptable. */
type RankOf = (key: string, live: readonly string[], random: number) => number | undefined;

/**
 * The rule of the ranking policies: at each arrival, answer with the best-ranked ok score if no
 * live model that has not reported could beat it; fail once every acceptable live model has
 * reported and none succeeded; at the deadline, answer with the best there is, or exceed it.
 */
function rankOracle(
  live: readonly string[],
  got: readonly Arrived[],
  rank: (key: string) => number | undefined,
): Expected {
  const best = (upTo: readonly Arrived[]) => {
    let b: Arrived | undefined;
    let r = Number.POSITIVE_INFINITY;
    for (const s of upTo) {
      const sr = rank(s.key);
      if (s.ok && sr !== undefined && sr < r) [b, r] = [s, sr];
    }
    return { b, r };
  };
  for (let i = 0; i < got.length; i++) {
    const upTo = got.slice(0, i + 1);
    const { b, r } = best(upTo);
    const pending = live.filter((k) => !upTo.some((s) => s.key === k)).map(rank);
    if (b && !pending.some((p) => p !== undefined && p < r))
      return { at: got[i]!.at, chosen: b.key };
    if (!b && !pending.some((p) => p !== undefined))
      return { at: got[i]!.at, error: 'NO_USABLE_SCORE' };
  }
  const { b } = best(got);
  return b ? { at: DEADLINE, chosen: b.key } : { at: DEADLINE, error: 'DEADLINE_EXCEEDED' };
}

function byOrder(order: readonly string[], only: boolean): RankOf {
  const matches = (key: string, sel: string) =>
    sel.includes('@') ? key === sel : ref(key).name === sel;
  return (key, live) => {
    const i = order.findIndex((sel) => matches(key, sel));
    if (i >= 0) return i;
    if (only) return undefined;
    const unlisted = live.filter((k) => !order.some((sel) => matches(k, sel))).sort(newestFirst);
    return order.length + unlisted.indexOf(key);
  };
}

const byVersion: RankOf = (key, live) => [...live].sort(newestFirst).indexOf(key);

const SPLIT = { 'a@2': 1, b: 2, 'c@2.0.0': 1 } as const;
const bySplit: RankOf = (key, live, random) => {
  let draw = random * 4;
  let preferred = 'c@2.0.0';
  for (const [sel, w] of Object.entries(SPLIT)) {
    if (draw < w) {
      preferred = sel;
      break;
    }
    draw -= w;
  }
  if (sel(key, preferred)) return 0;
  if (ref(key).name === 'a') return 1; // the fallback
  return 2 + [...live].sort(newestFirst).indexOf(key);
};
function sel(key: string, selector: string): boolean {
  return selector.includes('@') ? key === selector : ref(key).name === selector;
}

const ranked: [string, () => RendezvousPolicy, RankOf][] = [
  ['priority(b > a@2)', () => priority({ order: ['b', 'a@2'] }), byOrder(['b', 'a@2'], false)],
  [
    'priority(c > a, only)',
    () => priority({ order: ['c', 'a'], only: true }),
    byOrder(['c', 'a'], true),
  ],
  ['priority(version)', () => priority(), byVersion],
  ['latestVersion', () => latestVersion(), byVersion],
  ['first', () => first(), () => 0],
  ['split', () => split(SPLIT, { fallback: ['a'] }), bySplit],
  [
    'definePolicy(priority(a))',
    () => definePolicy('wrapped', (v) => priority({ order: ['a'] }).decide(v)),
    byOrder(['a'], false),
  ],
];

interface Run {
  readonly live: readonly string[];
  readonly requests: readonly {
    readonly id: string;
    readonly start: number;
    readonly got: readonly Arrived[];
    readonly t: Tracked<RendezvousResult>;
    readonly records: readonly RendezvousResult[];
  }[];
}

/** Runs a scenario through a real front end and workers; checks what holds for every policy. */
async function drive(policy: RendezvousPolicy, s: Scenario): Promise<Run> {
  const live = POOL.filter((_, i) => s.running[i]);
  const b = await frontEndRig(policy, live, { random: () => s.random });
  const sent: { id: string; start: number; got: Arrived[]; t: Tracked<RendezvousResult> }[] = [];
  for (const [j, req] of s.requests.entries()) {
    await b.clock.advance(req.delay);
    const script: Script = {};
    POOL.forEach((key, i) => {
      const o = req.outcomes[i]!;
      if (o.kind === 'ok') script[key] = { ms: arrival(i, o.slot), out: o.out };
      if (o.kind === 'err') script[key] = { ms: arrival(i, o.slot), fail: 'boom' };
    });
    const id = `r${j}`;
    const start = b.clock.now();
    sent.push({
      id,
      start,
      got: arrivals(live, req.outcomes),
      t: track(b.rendezvous.request(script, { id }), b.clock),
    });
  }
  await b.clock.advance(DEADLINE + 100);
  const requests = sent.map((r) => {
    const records = b.results.filter((x) => x.requestId === r.id);
    // Settled exactly once, never past the deadline, and one final record.
    expect(r.t.state, r.id).not.toBe('pending');
    expect(r.t.at! - r.start).toBeLessThanOrEqual(DEADLINE);
    expect(records).toHaveLength(1);
    expect(records[0]!.decidedAt).toBe(r.t.at);
    return { ...r, records };
  });
  await b.close();
  expect(b.results).toHaveLength(s.requests.length);
  return { live, requests };
}

function outcomeOf(r: Run['requests'][number]): Expected {
  const at = r.t.at! - r.start;
  if (r.t.state === 'resolved') {
    const chosen = r.t.value!.chosen!;
    return { at, chosen: modelKey(chosen.model) };
  }
  return { at, error: (r.t.error as { code: Expected['error'] }).code };
}

describe.each(ranked)('%s through a Rendezvous', (_, make, rankOf) => {
  it('answers once, by the deadline, with the best-ranked model that had answered when nothing better could come', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = await drive(make(), s);
        for (const r of run.requests) {
          const expected = rankOracle(run.live, r.got, (k) => rankOf(k, run.live, s.random));
          expect(outcomeOf(r), r.id).toEqual(expected);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Staged windows on multiples of 8 ms (see `arrival`); the later ones may end past the deadline. */
const stages: fc.Arbitrary<Stage[]> = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 0, maxLength: 2 }),
    fc.boolean(),
    fc.array(fc.shuffledSubarray(['a', 'b', 'c', 'a@2', 'b@10'], { minLength: 1 }), {
      minLength: 3,
      maxLength: 3,
    }),
  )
  .map(([gaps, open, accepts]) => {
    let end = 0;
    const windows: Stage[] = gaps.map((g, i) => {
      end += 8 * g;
      return { untilMs: end, accept: accepts[i]! };
    });
    windows.push(open ? { accept: accepts[2]! } : { untilMs: end + 8 * 40, accept: accepts[2]! });
    return windows;
  });

function stagedOracle(
  st: readonly Stage[],
  live: readonly string[],
  got: readonly Arrived[],
): Expected {
  const indexAt = (t: number) => {
    const i = st.findIndex((w) => w.untilMs === undefined || t < w.untilMs);
    return i === -1 ? st.length - 1 : i;
  };
  const bestIn = (w: Stage, oks: readonly Arrived[]) => {
    let b: string | undefined;
    let r = Number.POSITIVE_INFINITY;
    for (const s of oks) {
      const i = w.accept.findIndex((x) => sel(s.key, x));
      if (i >= 0 && i < r) [b, r] = [s.key, i];
    }
    return b;
  };
  // Evaluated at each arrival and, once something has arrived, at each later window end.
  const ends = st.flatMap((w) => (w.untilMs === undefined ? [] : [w.untilMs]));
  const times = [...got.map((s) => s.at), ...ends.filter((e) => got.length > 0 && e > got[0]!.at)]
    .filter((t) => t < DEADLINE)
    .sort((x, y) => x - y);
  for (const t of times) {
    const upTo = got.filter((s) => s.at <= t);
    const oks = upTo.filter((s) => s.ok);
    const i = indexAt(t);
    const b = bestIn(st[i]!, oks);
    if (b) return { at: t, chosen: b };
    const pending = live.some((k) => !upTo.some((s) => s.key === k));
    const usableLater = st.slice(i).some((w) => bestIn(w, oks) !== undefined);
    if (!pending && !usableLater && upTo.length > 0) return { at: t, error: 'NO_USABLE_SCORE' };
  }
  const oks = got.filter((s) => s.ok);
  for (const w of st.slice(indexAt(DEADLINE))) {
    const b = bestIn(w, oks);
    if (b) return { at: DEADLINE, chosen: b };
  }
  return { at: DEADLINE, error: 'DEADLINE_EXCEEDED' };
}

describe('staged through a Rendezvous', () => {
  it('answers once, by the deadline, with the best score the open window accepts (at the deadline: the windows to come too)', async () => {
    await fc.assert(
      fc.asyncProperty(stages, scenario, async (st, s) => {
        const run = await drive(staged(st), s);
        for (const r of run.requests)
          expect(outcomeOf(r), r.id).toEqual(stagedOracle(st, run.live, r.got));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('quorum(2) through a Rendezvous', () => {
  it('answers once, by the deadline, with a plurality output, as soon as 2 agree or agreement is out of reach', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = await drive(quorum(2), s);
        for (const r of run.requests) {
          const { at, chosen, error } = outcomeOf(r);
          const upTo = r.got.filter((g) => g.at <= at);
          const count = (out: string) => upTo.filter((g) => g.ok && g.out === out).length;
          // The first time two ok outputs agree: it must have answered by then.
          const agreed = r.got.find(
            (g, i) => g.ok && r.got.slice(0, i).some((h) => h.ok && h.out === g.out),
          );
          if (agreed) expect(at).toBeLessThanOrEqual(agreed.at);
          if (chosen) {
            const score = upTo.find((g) => g.key === chosen);
            expect(score?.ok).toBe(true);
            expect(count(score!.out)).toBe(Math.max(count('x'), count('y')));
            const pending = run.live.filter((k) => !upTo.some((g) => g.key === k)).length;
            if (at < DEADLINE)
              expect(count(score!.out) >= 2 || count(score!.out) + pending < 2).toBe(true);
          } else {
            // Failed: no successful score had arrived, and none could if it failed early.
            expect(upTo.some((g) => g.ok)).toBe(false);
            expect(error === 'DEADLINE_EXCEEDED' ? at === DEADLINE : upTo.length > 0).toBe(true);
            if (error === 'DEADLINE_EXCEEDED') expect(r.got.some((g) => g.ok)).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
