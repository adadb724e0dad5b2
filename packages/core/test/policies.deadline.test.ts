import {
  definePolicy,
  first,
  type Json,
  latestVersion,
  modelKey,
  type PolicyView,
  priority,
  quorum,
  type RendezvousPolicy,
  type ScoreEnvelope,
  split,
  staged,
} from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { frontEndRig, ref, track } from './harness.js';

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

const atDeadline = (over: Partial<PolicyView>): PolicyView => ({
  requestId: 'r1',
  startedAt: 0,
  deadline: 1000,
  now: 1000,
  scores: [],
  live: [],
  random: 0.5,
  ...over,
});

/**
 * Each built-in policy with a view where a usable score is in hand and a model that could beat it
 * (or that a window is still waiting for) is pending. At or past the deadline, it must answer.
 */
const cases: [string, RendezvousPolicy, string][] = [
  ['priority(order)', priority({ order: ['a', 'b'] }), 'b@1'],
  ['priority(version)', priority(), 'a@1'],
  ['latestVersion', latestVersion(), 'a@1'],
  ['first', first(), 'b@1'],
  ['quorum(2)', quorum(2), 'b@1'],
  ['split', split({ a: 1 }), 'b@1'],
  // The only window lasts past the deadline and accepts `a` alone; `b` comes in the next one.
  [
    'staged (window past the deadline)',
    staged([{ untilMs: 5000, accept: ['a'] }, { accept: ['a', 'b'] }]),
    'b@1',
  ],
  [
    'staged (past the last window)',
    staged([
      { untilMs: 50, accept: ['a'] },
      { untilMs: 100, accept: ['a', 'b'] },
    ]),
    'b@1',
  ],
  [
    'definePolicy(priority)',
    definePolicy('wrapped', (v) => priority({ order: ['a', 'b'] }).decide(v)),
    'b@1',
  ],
];

describe('at or past the deadline, every built-in policy answers with the usable score it has', () => {
  it.each(cases)('%s answers rather than waits', (_, policy, usable) => {
    const live = [ref('a@2'), ref(usable), ref('c@1')];
    for (const now of [1000, 1001, 5000]) {
      const d = policy.decide(atDeadline({ now, live, scores: [ok(usable)] }));
      expect(d.action, `at ${now}`).toBe('answer');
      expect(d.action === 'answer' && modelKey(d.score.model)).toBe(usable);
    }
  });
});

describe('staged at the deadline', () => {
  it('answers with the best score a later window would accept, ranked by that window', () => {
    const p = staged([
      { untilMs: 5000, accept: ['a'] },
      { untilMs: 6000, accept: ['a', 'c', 'b'] },
      { accept: ['a', 'b', 'c'] },
    ]);
    const d = p.decide(
      atDeadline({ live: [ref('a@1'), ref('b@1'), ref('c@1')], scores: [ok('b@1'), ok('c@1')] }),
    );
    expect(d.action === 'answer' && modelKey(d.score.model)).toBe('c@1');
    expect(d.action === 'answer' && d.reason).toContain('deadline');
  });

  it('still prefers what the current window accepts', () => {
    const p = staged([{ untilMs: 5000, accept: ['a'] }, { accept: ['b', 'a'] }]);
    const d = p.decide(
      atDeadline({ live: [ref('a@1'), ref('b@1')], scores: [ok('b@1'), ok('a@1')] }),
    );
    expect(d.action === 'answer' && modelKey(d.score.model)).toBe('a@1');
  });

  it('never answers with a score no window from now on accepts', () => {
    const p = staged([{ untilMs: 5000, accept: ['a'] }, { accept: ['a', 'b'] }]);
    const d = p.decide(atDeadline({ live: [ref('a@1'), ref('x@1')], scores: [ok('x@1')] }));
    expect(d.action).not.toBe('answer');
  });

  it('through a Rendezvous: a request with a usable score is answered at the deadline, not DEADLINE_EXCEEDED', async () => {
    const p = staged([{ untilMs: 5000, accept: ['a'] }, { accept: ['a', 'b'] }]);
    const b = await frontEndRig(p, ['a@1', 'b@1']);
    // `a` never answers; `b` answers at 10 ms, but only the second window (from 5 s) accepts it.
    const t = track(b.rendezvous.request({ 'b@1': { ms: 10 } }), b.clock);
    await b.clock.advance(1000);
    expect(t.state).toBe('resolved');
    expect(t.at).toBe(1000);
    expect(t.value?.status).toBe('answered');
    expect(t.value?.chosen && modelKey(t.value.chosen.model)).toBe('b@1');
    await b.close();
  });
});
