import {
  ConfigurationError,
  decideByRank,
  definePolicy,
  first,
  type Json,
  latestVersion,
  modelKey,
  type PolicyDecision,
  type PolicyView,
  priority,
  quorum,
  type ScoreEnvelope,
  split,
  staged,
} from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { ref } from './harness.js';

const view = (over: Partial<PolicyView> = {}): PolicyView => ({
  requestId: 'r1',
  startedAt: 0,
  deadline: 1000,
  now: 10,
  scores: [],
  live: [],
  random: 0.5,
  ...over,
});

const ok = (key: string, output: Json = key): ScoreEnvelope => ({
  v: 1,
  requestId: 'r1',
  model: { ...ref(key), instance: `${key}-a` },
  ok: true,
  output,
  receivedAt: 0,
  startedAt: 0,
  finishedAt: 1,
});

const err = (key: string): ScoreEnvelope => ({
  v: 1,
  requestId: 'r1',
  model: { ...ref(key), instance: `${key}-a` },
  ok: false,
  error: { code: 'PREDICT_FAILED', message: 'boom' },
  receivedAt: 0,
  startedAt: 0,
  finishedAt: 1,
});

const live = (...keys: string[]) => keys.map(ref);

/** `'answer dt@1'`, `'wait'`, `'wait@50'` or `'fail'`: the verdict in one comparable string. */
function verdict(d: PolicyDecision): string {
  if (d.action === 'answer') return `answer ${modelKey(d.score.model)}`;
  if (d.action === 'wait') return d.wakeAt === undefined ? 'wait' : `wait@${d.wakeAt}`;
  return 'fail';
}

describe('priority with an explicit order', () => {
  const p = priority({ order: ['dt', 'lr'] });

  it('is named after its order', () => {
    expect(p.name).toBe('priority(dt > lr)');
  });

  it('waits for the best live model even when a worse one has scored', () => {
    expect(verdict(p.decide(view({ live: live('dt@1', 'lr@1'), scores: [ok('lr@1')] })))).toBe(
      'wait',
    );
  });

  it('answers at once when the best live model has scored, without waiting for the others', () => {
    const d = p.decide(view({ live: live('dt@1', 'lr@1'), scores: [ok('dt@1')] }));
    expect(verdict(d)).toBe('answer dt@1');
    expect(d.action === 'answer' && d.reason).toContain('no better live model pending');
  });

  it('falls back to the next model when the best one reported an error', () => {
    const d = p.decide(view({ live: live('dt@1', 'lr@1'), scores: [err('dt@1'), ok('lr@1')] }));
    expect(verdict(d)).toBe('answer lr@1');
  });

  it('does not wait for a better model that is not alive', () => {
    expect(verdict(p.decide(view({ live: live('lr@1'), scores: [ok('lr@1')] })))).toBe(
      'answer lr@1',
    );
  });

  it('answers with the best score it has at the deadline', () => {
    const d = p.decide(
      view({ now: 1000, live: live('dt@1', 'lr@1', 'x@1'), scores: [ok('x@1'), ok('lr@1')] }),
    );
    expect(verdict(d)).toBe('answer lr@1');
    expect(d.action === 'answer' && d.reason).toContain('deadline');
  });

  it('fails once every live model has reported an error', () => {
    expect(
      verdict(p.decide(view({ live: live('dt@1', 'lr@1'), scores: [err('lr@1'), err('dt@1')] }))),
    ).toBe('fail');
  });

  it('keeps waiting (never fails early) while an errored model has a live peer pending', () => {
    expect(verdict(p.decide(view({ live: live('dt@1', 'lr@1'), scores: [err('dt@1')] })))).toBe(
      'wait',
    );
  });

  it('waits when nothing is known yet, and leaves the deadline to the front end', () => {
    expect(verdict(p.decide(view()))).toBe('wait');
    expect(verdict(p.decide(view({ now: 1000 })))).toBe('wait');
  });

  it('ranks unlisted models after the listed ones, newest version first', () => {
    const q = priority({ order: ['dt'] });
    const v = view({ live: live('dt@1', 'x@2', 'x@10'), scores: [err('dt@1'), ok('x@2')] });
    expect(verdict(q.decide(v))).toBe('wait'); // x@10 is newer than x@2 and still pending
    expect(verdict(q.decide({ ...v, scores: [...v.scores, ok('x@10')] }))).toBe('answer x@10');
  });

  it('with only: true never answers with an unlisted model', () => {
    const q = priority({ order: ['dt'], only: true });
    expect(
      verdict(q.decide(view({ now: 1000, live: live('dt@1', 'x@1'), scores: [ok('x@1')] }))),
    ).toBe('wait');
    expect(verdict(q.decide(view({ live: live('dt@1', 'x@1'), scores: [err('dt@1')] })))).toBe(
      'fail',
    );
  });

  it('a name@version selector picks out one version', () => {
    const q = priority({ order: ['dt@1', 'dt@2'] });
    const d = q.decide(view({ live: live('dt@1', 'dt@2'), scores: [ok('dt@2')] }));
    expect(verdict(d)).toBe('wait');
    expect(verdict(q.decide(view({ live: live('dt@1', 'dt@2'), scores: [ok('dt@1')] })))).toBe(
      'answer dt@1',
    );
  });
});

describe('priority by version and latestVersion', () => {
  for (const [label, p] of [
    ['priority()', priority()],
    ['latestVersion()', latestVersion()],
  ] as const) {
    describe(label, () => {
      it('waits for the newest live version', () => {
        expect(verdict(p.decide(view({ live: live('dt@1', 'dt@2'), scores: [ok('dt@1')] })))).toBe(
          'wait',
        );
      });
      it('answers at once with the newest version', () => {
        expect(verdict(p.decide(view({ live: live('dt@1', 'dt@2'), scores: [ok('dt@2')] })))).toBe(
          'answer dt@2',
        );
      });
      it('compares versions numerically: 10 is newer than 9', () => {
        expect(verdict(p.decide(view({ live: live('dt@9', 'dt@10'), scores: [ok('dt@9')] })))).toBe(
          'wait',
        );
        expect(
          verdict(p.decide(view({ live: live('dt@9', 'dt@10'), scores: [ok('dt@10')] }))),
        ).toBe('answer dt@10');
      });
      it('falls back to an older version when the newest fails', () => {
        expect(
          verdict(
            p.decide(view({ live: live('dt@1', 'dt@2'), scores: [err('dt@2'), ok('dt@1')] })),
          ),
        ).toBe('answer dt@1');
      });
      it('answers with the newest version it has at the deadline', () => {
        expect(
          verdict(
            p.decide(
              view({
                now: 1000,
                live: live('dt@1', 'dt@2', 'dt@3'),
                scores: [ok('dt@1'), ok('dt@2')],
              }),
            ),
          ),
        ).toBe('answer dt@2');
      });
      it('fails when every live version failed', () => {
        expect(
          verdict(
            p.decide(view({ live: live('dt@1', 'dt@2'), scores: [err('dt@2'), err('dt@1')] })),
          ),
        ).toBe('fail');
      });
    });
  }

  it('latestVersion is named for results', () => {
    expect(latestVersion().name).toBe('latestVersion');
  });
});

describe('first', () => {
  const p = first();
  it('answers with the first successful score whatever the model', () => {
    expect(
      verdict(p.decide(view({ live: live('a@1', 'b@9'), scores: [ok('a@1'), ok('b@9')] }))),
    ).toBe('answer a@1');
  });
  it('skips errors', () => {
    expect(
      verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [err('b@1'), ok('a@1')] }))),
    ).toBe('answer a@1');
    expect(verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [err('b@1')] })))).toBe(
      'wait',
    );
  });
  it('fails once every live model has failed', () => {
    expect(
      verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [err('b@1'), err('a@1')] }))),
    ).toBe('fail');
  });
});

describe('quorum(k)', () => {
  it('answers as soon as k outputs agree', () => {
    const p = quorum(2);
    const v = view({ live: live('a@1', 'b@1', 'c@1'), scores: [ok('a@1', 1), ok('b@1', 2)] });
    expect(verdict(p.decide(v))).toBe('wait');
    const d = p.decide({ ...v, scores: [...v.scores, ok('c@1', 1)] });
    expect(verdict(d)).toBe('answer a@1');
    expect(d.action === 'answer' && d.reason).toBe('quorum(2): 2 models agree');
  });

  it('compares outputs by value (their JSON), or by a given key', () => {
    const v = view({
      live: live('a@1', 'b@1', 'c@1'),
      scores: [ok('a@1', { label: 'x', p: 0.9 }), ok('b@1', { label: 'x', p: 0.8 })],
    });
    expect(verdict(quorum(2).decide(v))).toBe('wait');
    const byLabel = quorum(2, { key: (o) => String((o as { label: string }).label) });
    expect(verdict(byLabel.decide(v))).toBe('answer a@1');
  });

  it('answers with the plurality when agreement has become unreachable', () => {
    const d = quorum(2).decide(
      view({ live: live('a@1', 'b@1'), scores: [ok('a@1', 1), ok('b@1', 2)] }),
    );
    expect(verdict(d)).toBe('answer a@1');
    expect(d.action === 'answer' && d.reason).toContain('quorum unreachable');
  });

  it('answers with the plurality at the deadline', () => {
    const d = quorum(3).decide(
      view({ now: 1000, live: live('a@1', 'b@1', 'c@1', 'd@1'), scores: [ok('a@1', 1)] }),
    );
    expect(verdict(d)).toBe('answer a@1');
    expect(d.action === 'answer' && d.reason).toContain('at deadline');
  });

  it('ignores errors: an error is no vote', () => {
    const p = quorum(2);
    expect(
      verdict(
        p.decide(
          view({
            live: live('a@1', 'b@1', 'c@1'),
            scores: [err('a@1'), ok('b@1', 1), ok('c@1', 1)],
          }),
        ),
      ),
    ).toBe('answer b@1');
  });

  it('does not fail while a live model may still send a usable score', () => {
    // Two models, k = 2: once one has failed, agreement is out of reach, but the other can still
    // answer, and its score is the plurality.
    const p = quorum(2);
    expect(verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [err('a@1')] })))).toBe(
      'wait',
    );
    expect(
      verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [err('a@1'), ok('b@1', 7)] }))),
    ).toBe('answer b@1');
  });

  it('fails once every live model has failed', () => {
    expect(
      verdict(
        quorum(2).decide(view({ live: live('a@1', 'b@1'), scores: [err('a@1'), err('b@1')] })),
      ),
    ).toBe('fail');
  });

  it('rejects a k that is not a positive integer', () => {
    expect(() => quorum(0)).toThrow(ConfigurationError);
    expect(() => quorum(1.5)).toThrow(ConfigurationError);
  });
});

describe('split(weights)', () => {
  const p = split({ 'dt@2': 0.1, 'dt@1': 0.9 });

  it('draws the preferred model from the request random number by weight', () => {
    const both = live('dt@1', 'dt@2');
    const scores = [ok('dt@1'), ok('dt@2')];
    expect(verdict(p.decide(view({ random: 0.05, live: both, scores })))).toBe('answer dt@2');
    expect(verdict(p.decide(view({ random: 0.5, live: both, scores })))).toBe('answer dt@1');
  });

  it('gives each model its share of requests', () => {
    const chosen = { 'dt@1': 0, 'dt@2': 0 };
    for (let i = 0; i < 1000; i++) {
      const d = p.decide(
        view({ random: i / 1000, live: live('dt@1', 'dt@2'), scores: [ok('dt@1'), ok('dt@2')] }),
      );
      if (d.action === 'answer') chosen[modelKey(d.score.model) as keyof typeof chosen]++;
    }
    expect(chosen).toEqual({ 'dt@2': 100, 'dt@1': 900 });
  });

  it('waits for the preferred model while it is alive', () => {
    expect(
      verdict(p.decide(view({ random: 0.05, live: live('dt@1', 'dt@2'), scores: [ok('dt@1')] }))),
    ).toBe('wait');
  });

  it('falls back when the preferred model fails, or is not alive', () => {
    expect(
      verdict(
        p.decide(
          view({ random: 0.05, live: live('dt@1', 'dt@2'), scores: [err('dt@2'), ok('dt@1')] }),
        ),
      ),
    ).toBe('answer dt@1');
    expect(
      verdict(p.decide(view({ random: 0.05, live: live('dt@1'), scores: [ok('dt@1')] }))),
    ).toBe('answer dt@1');
  });

  it('falls back by the given order', () => {
    const q = split({ a: 1 }, { fallback: ['c', 'b'] });
    const v = view({ live: live('a@1', 'b@1', 'c@1'), scores: [err('a@1'), ok('b@1')] });
    expect(verdict(q.decide(v))).toBe('wait');
    expect(verdict(q.decide({ ...v, scores: [...v.scores, ok('c@1')] }))).toBe('answer c@1');
  });

  it('answers with the best fallback at the deadline', () => {
    expect(
      verdict(
        p.decide(
          view({ now: 1000, random: 0.05, live: live('dt@1', 'dt@2'), scores: [ok('dt@1')] }),
        ),
      ),
    ).toBe('answer dt@1');
  });

  it('with only, never waits for nor chooses a model it does not name, even at the deadline', () => {
    const q = split({ 'dt@2': 0.1, 'dt@1': 0.9 }, { fallback: ['lr'], only: true });
    expect(q.name).toBe('split(dt@2:0.1,dt@1:0.9; only)');
    const models = live('dt@1', 'dt@2', 'lr@0', 'bad@1');
    // Preferred dt@1 failed; dt@2 (named in weights) and lr (fallback) are still acceptable.
    expect(
      verdict(q.decide(view({ random: 0.5, live: models, scores: [err('dt@1'), ok('bad@1')] }))),
    ).toBe('wait');
    expect(
      verdict(
        q.decide(
          view({ random: 0.5, live: models, scores: [err('dt@1'), ok('bad@1'), ok('lr@0')] }),
        ),
      ),
    ).toBe('answer lr@0');
    // At the deadline, bad@1 is the only score: without only it would answer; with only, not.
    const atDeadline = view({ now: 1000, random: 0.5, live: models, scores: [ok('bad@1')] });
    expect(verdict(split({ 'dt@1': 1 }).decide(atDeadline))).toBe('answer bad@1');
    expect(verdict(q.decide(atDeadline))).not.toMatch(/^answer/);
    // Every named model answered with an error, bad@1 ok: fail now, do not wait for the deadline.
    const allFailed = view({
      random: 0.5,
      live: models,
      scores: [err('dt@1'), err('dt@2'), err('lr@0'), ok('bad@1')],
    });
    expect(verdict(q.decide(allFailed))).toMatch(/^fail/);
  });

  it('rejects weights that are negative, not finite, or sum to 0', () => {
    expect(() => split({})).toThrow(ConfigurationError);
    expect(() => split({ a: -1, b: 2 })).toThrow(ConfigurationError);
    expect(() => split({ a: Number.POSITIVE_INFINITY })).toThrow(ConfigurationError);
    expect(() => split({ a: 0 })).toThrow(ConfigurationError);
  });
});

describe('staged(windows)', () => {
  const p = staged([{ untilMs: 50, accept: ['dt'] }, { accept: ['dt', 'lr'] }]);

  it('in the first window, ignores models it does not accept yet and asks to wake at its end', () => {
    expect(
      verdict(p.decide(view({ now: 10, live: live('dt@1', 'lr@1'), scores: [ok('lr@1')] }))),
    ).toBe('wait@50');
  });

  it('answers at once with an accepted score', () => {
    expect(
      verdict(p.decide(view({ now: 10, live: live('dt@1', 'lr@1'), scores: [ok('dt@1')] }))),
    ).toBe('answer dt@1');
  });

  it('widens the accepted set once the window has passed', () => {
    const d = p.decide(view({ now: 50, live: live('dt@1', 'lr@1'), scores: [ok('lr@1')] }));
    expect(verdict(d)).toBe('answer lr@1');
    expect(d.action === 'answer' && d.reason).toContain('window 2');
  });

  it('prefers the earlier-listed model within a window', () => {
    expect(
      verdict(
        p.decide(view({ now: 60, live: live('dt@1', 'lr@1'), scores: [ok('lr@1'), ok('dt@1')] })),
      ),
    ).toBe('answer dt@1');
  });

  it('wakes at the end of each bounded window, relative to the request start', () => {
    const three = staged([
      { untilMs: 20, accept: ['a'] },
      { untilMs: 80, accept: ['a', 'b'] },
      { accept: ['a', 'b', 'c'] },
    ]);
    const scores = [ok('c@1')];
    expect(verdict(three.decide(view({ startedAt: 100, now: 105, scores })))).toBe('wait@120');
    expect(verdict(three.decide(view({ startedAt: 100, now: 120, scores })))).toBe('wait@180');
    expect(verdict(three.decide(view({ startedAt: 100, now: 180, scores })))).toBe('answer c@1');
  });

  it('fails as soon as every live model has failed, rather than waiting for the deadline', () => {
    expect(
      verdict(
        p.decide(view({ now: 10, live: live('dt@1', 'lr@1'), scores: [err('dt@1'), err('lr@1')] })),
      ),
    ).toBe('fail');
  });

  it('keeps waiting for a later window when a score it will accept there is in hand', () => {
    expect(
      verdict(
        p.decide(view({ now: 10, live: live('dt@1', 'lr@1'), scores: [err('dt@1'), ok('lr@1')] })),
      ),
    ).toBe('wait@50');
  });

  it('rejects empty, unordered or open-ended middle windows', () => {
    expect(() => staged([])).toThrow(ConfigurationError);
    expect(() => staged([{ accept: ['a'] }, { untilMs: 10, accept: ['b'] }])).toThrow(
      ConfigurationError,
    );
    expect(() =>
      staged([
        { untilMs: 50, accept: ['a'] },
        { untilMs: 50, accept: ['b'] },
      ]),
    ).toThrow(ConfigurationError);
  });
});

describe('definePolicy', () => {
  it('makes a policy of a name and a pure decision function', () => {
    const p = definePolicy('even-only', (v) => {
      const s = v.scores.find((x) => x.ok && (x.output as number) % 2 === 0);
      return s?.ok ? { action: 'answer', score: s, reason: 'even' } : { action: 'wait' };
    });
    expect(p.name).toBe('even-only');
    expect(verdict(p.decide(view({ scores: [ok('a@1', 3)] })))).toBe('wait');
    expect(verdict(p.decide(view({ scores: [ok('a@1', 3), ok('b@1', 4)] })))).toBe('answer b@1');
  });

  it('can build on decideByRank', () => {
    const p = definePolicy('b-first', (v) => decideByRank(v, (m) => (m.name === 'b' ? 0 : 1), 'b'));
    expect(verdict(p.decide(view({ live: live('a@1', 'b@1'), scores: [ok('a@1')] })))).toBe('wait');
    expect(verdict(p.decide(view({ live: live('a@1'), scores: [ok('a@1')] })))).toBe('answer a@1');
  });
});
