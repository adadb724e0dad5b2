import {
  DeadlineExceededError,
  definePolicy,
  first,
  latestVersion,
  modelKey,
  NoUsableScoreError,
  type PolicyView,
  priority,
  quorum,
  type RendezvousError,
  type RendezvousPolicy,
  type RendezvousResult,
  split,
  staged,
} from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { frontEndRig, type Script, track } from './harness.js';

/** Every request below has a 1000 ms deadline. */
const DEADLINE = 1000;

interface Scenario {
  readonly name: string;
  readonly script: Script;
  /** Virtual time at which `request()` must settle. */
  readonly at: number;
  /** The model key that must be chosen, or the error code the request must fail with. */
  readonly chosen?: string;
  readonly error?: 'DEADLINE_EXCEEDED' | 'NO_USABLE_SCORE';
  readonly trigger?: RendezvousResult['decidedBy']['trigger'];
  /** Model keys whose scores must be recorded as late in `results$`. */
  readonly late?: readonly string[];
}

interface PolicyCase {
  readonly policy: RendezvousPolicy;
  readonly models: readonly string[];
  readonly random?: number;
  readonly scenarios: readonly Scenario[];
}

const cases: Record<string, PolicyCase> = {
  'priority(dt > lr)': {
    policy: priority({ order: ['dt', 'lr'] }),
    models: ['dt@1', 'lr@1'],
    scenarios: [
      {
        name: 'early answer: as soon as the best model scored; the other score is late',
        script: { 'dt@1': { ms: 10 }, 'lr@1': { ms: 30 } },
        at: 10,
        chosen: 'dt@1',
        trigger: 'score',
        late: ['lr@1'],
      },
      {
        name: 'waits for the better model even when a worse one was faster',
        script: { 'dt@1': { ms: 40 }, 'lr@1': { ms: 5 } },
        at: 40,
        chosen: 'dt@1',
      },
      {
        name: 'best available at the deadline',
        script: { 'lr@1': { ms: 10 } },
        at: DEADLINE,
        chosen: 'lr@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back to the next model',
        script: { 'dt@1': { ms: 5, fail: 'boom' }, 'lr@1': { ms: 20 } },
        at: 20,
        chosen: 'lr@1',
      },
      {
        name: 'every model erroring',
        script: { 'dt@1': { ms: 5, fail: 'a' }, 'lr@1': { ms: 8, fail: 'b' } },
        at: 8,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  'priority() by version': {
    policy: priority(),
    models: ['m@1', 'm@2'],
    scenarios: [
      {
        name: 'early answer from the newest version',
        script: { 'm@2': { ms: 10 }, 'm@1': { ms: 20 } },
        at: 10,
        chosen: 'm@2',
        late: ['m@1'],
      },
      {
        name: 'best available at the deadline',
        script: { 'm@1': { ms: 10 } },
        at: DEADLINE,
        chosen: 'm@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back to the older version',
        script: { 'm@2': { ms: 5, fail: 'x' }, 'm@1': { ms: 20 } },
        at: 20,
        chosen: 'm@1',
      },
      {
        name: 'every model erroring',
        script: { 'm@2': { ms: 5, fail: 'x' }, 'm@1': { ms: 6, fail: 'y' } },
        at: 6,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  latestVersion: {
    policy: latestVersion(),
    models: ['dt@1', 'dt@2'],
    scenarios: [
      {
        name: 'early answer from the latest version, well before the deadline',
        script: { 'dt@2': { ms: 15 }, 'dt@1': { ms: 25 } },
        at: 15,
        chosen: 'dt@2',
        late: ['dt@1'],
      },
      {
        name: 'waits for the latest version when an older one is faster',
        script: { 'dt@2': { ms: 50 }, 'dt@1': { ms: 5 } },
        at: 50,
        chosen: 'dt@2',
      },
      {
        name: 'best available at the deadline',
        script: { 'dt@1': { ms: 5 } },
        at: DEADLINE,
        chosen: 'dt@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back to the older version',
        script: { 'dt@2': { ms: 5, fail: 'x' }, 'dt@1': { ms: 7 } },
        at: 7,
        chosen: 'dt@1',
      },
      {
        name: 'every model erroring',
        script: { 'dt@2': { ms: 5, fail: 'x' }, 'dt@1': { ms: 9, fail: 'y' } },
        at: 9,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  first: {
    policy: first(),
    models: ['a@1', 'b@1'],
    scenarios: [
      {
        name: 'early answer with the first success',
        script: { 'b@1': { ms: 10 }, 'a@1': { ms: 30 } },
        at: 10,
        chosen: 'b@1',
        late: ['a@1'],
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back to the next success',
        script: { 'b@1': { ms: 5, fail: 'x' }, 'a@1': { ms: 20 } },
        at: 20,
        chosen: 'a@1',
      },
      {
        name: 'every model erroring',
        script: { 'b@1': { ms: 5, fail: 'x' }, 'a@1': { ms: 12, fail: 'y' } },
        at: 12,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  'quorum(2)': {
    policy: quorum(2),
    models: ['a@1', 'b@1', 'c@1'],
    scenarios: [
      {
        name: 'early answer once two outputs agree; the third is late',
        script: { 'a@1': { ms: 10, out: 'x' }, 'b@1': { ms: 20, out: 'x' }, 'c@1': { ms: 30 } },
        at: 20,
        chosen: 'a@1',
        late: ['c@1'],
      },
      {
        name: 'best available (plurality) at the deadline',
        script: { 'a@1': { ms: 10, out: 'x' } },
        at: DEADLINE,
        chosen: 'a@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error: the other two still reach the quorum',
        script: {
          'a@1': { ms: 5, fail: 'x' },
          'b@1': { ms: 10, out: 'y' },
          'c@1': { ms: 20, out: 'y' },
        },
        at: 20,
        chosen: 'b@1',
      },
      {
        name: 'quorum unreachable: plurality once every model reported',
        script: {
          'a@1': { ms: 5, fail: 'x' },
          'b@1': { ms: 10, out: 'y' },
          'c@1': { ms: 20, out: 'z' },
        },
        at: 20,
        chosen: 'b@1',
      },
      {
        name: 'every model erroring',
        script: {
          'a@1': { ms: 5, fail: 'x' },
          'b@1': { ms: 6, fail: 'x' },
          'c@1': { ms: 7, fail: 'x' },
        },
        at: 7,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  'split with a fixed random (a preferred)': {
    policy: split({ 'a@1': 0.2, 'b@1': 0.8 }),
    models: ['a@1', 'b@1'],
    random: 0.1,
    scenarios: [
      {
        name: 'early answer from the preferred model',
        script: { 'a@1': { ms: 10 }, 'b@1': { ms: 30 } },
        at: 10,
        chosen: 'a@1',
        late: ['b@1'],
      },
      {
        name: 'waits for the preferred model when the other is faster',
        script: { 'a@1': { ms: 40 }, 'b@1': { ms: 5 } },
        at: 40,
        chosen: 'a@1',
      },
      {
        name: 'best available at the deadline',
        script: { 'b@1': { ms: 10 } },
        at: DEADLINE,
        chosen: 'b@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'the preferred model erroring falls back',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 20 } },
        at: 20,
        chosen: 'b@1',
      },
      {
        name: 'every model erroring',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 9, fail: 'y' } },
        at: 9,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  'split with a fixed random (b preferred)': {
    policy: split({ 'a@1': 0.2, 'b@1': 0.8 }),
    models: ['a@1', 'b@1'],
    random: 0.9,
    scenarios: [
      {
        name: 'waits for b, the preferred model for this draw',
        script: { 'a@1': { ms: 5 }, 'b@1': { ms: 40 } },
        at: 40,
        chosen: 'b@1',
      },
    ],
  },
  'staged(a for 50 ms, then a|b)': {
    policy: staged([{ untilMs: 50, accept: ['a'] }, { accept: ['a', 'b'] }]),
    models: ['a@1', 'b@1'],
    scenarios: [
      {
        name: 'early answer with a model of the first window',
        script: { 'a@1': { ms: 10 }, 'b@1': { ms: 5 } },
        at: 10,
        chosen: 'a@1',
      },
      {
        name: 'a wake-up at the end of the first window widens the set',
        script: { 'b@1': { ms: 10 } },
        at: 50,
        chosen: 'b@1',
        trigger: 'wake',
      },
      {
        name: 'in the second window, answers at once with what it accepts',
        script: { 'b@1': { ms: 70 }, 'a@1': { ms: 90 } },
        at: 70,
        chosen: 'b@1',
        trigger: 'score',
        late: ['a@1'],
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back at the next window',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 10 } },
        at: 50,
        chosen: 'b@1',
        trigger: 'wake',
      },
      {
        name: 'every model erroring',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 8, fail: 'y' } },
        at: 8,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
  'custom: confident (p > 0.9), else the most confident at the deadline': {
    policy: definePolicy('confident', (view: PolicyView) => {
      const oks = view.scores.filter((s) => s.ok);
      const p = (s: (typeof oks)[number]) => (s.ok ? (s.output as { p: number }).p : 0);
      const sure = oks.find((s) => p(s) > 0.9);
      if (sure?.ok) return { action: 'answer', score: sure, reason: 'p > 0.9' };
      const best = [...oks].sort((x, y) => p(y) - p(x))[0];
      if (best?.ok && view.now >= view.deadline)
        return { action: 'answer', score: best, reason: 'most confident at deadline' };
      const reported = new Set(view.scores.map((s) => modelKey(s.model)));
      if (oks.length === 0 && view.live.every((m) => reported.has(modelKey(m))))
        return { action: 'fail', reason: 'every model failed' };
      return { action: 'wait' };
    }),
    models: ['a@1', 'b@1'],
    scenarios: [
      {
        name: 'early answer with a confident score',
        script: { 'a@1': { ms: 10, out: { p: 0.5 } }, 'b@1': { ms: 20, out: { p: 0.95 } } },
        at: 20,
        chosen: 'b@1',
      },
      {
        name: 'best available at the deadline',
        script: { 'a@1': { ms: 10, out: { p: 0.5 } }, 'b@1': { ms: 20, out: { p: 0.6 } } },
        at: DEADLINE,
        chosen: 'b@1',
        trigger: 'deadline',
      },
      { name: 'no answer at all', script: {}, at: DEADLINE, error: 'DEADLINE_EXCEEDED' },
      {
        name: 'a model error falls back',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 20, out: { p: 0.99 } } },
        at: 20,
        chosen: 'b@1',
      },
      {
        name: 'every model erroring',
        script: { 'a@1': { ms: 5, fail: 'x' }, 'b@1': { ms: 6, fail: 'y' } },
        at: 6,
        error: 'NO_USABLE_SCORE',
      },
    ],
  },
};

describe.each(Object.entries(cases))('policy %s through a Rendezvous', (_name, c) => {
  it.each(c.scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s) => {
    const b = await frontEndRig(
      c.policy,
      c.models,
      c.random === undefined ? {} : { random: () => c.random! },
    );
    const t = track(b.rendezvous.request(s.script), b.clock);

    // Nothing is decided a millisecond before the expected moment...
    await b.clock.advance(s.at - 1);
    expect(t.state).toBe('pending');
    expect(b.rendezvous.stats().inFlight).toBe(1);
    // ...and it is decided exactly then.
    await b.clock.advance(1);
    expect(t.at).toBe(s.at);
    if (s.chosen) {
      expect(t.state).toBe('resolved');
      const r = t.value!;
      expect(r.status).toBe('answered');
      expect(modelKey(r.chosen!.model)).toBe(s.chosen);
      expect(r.decidedAt).toBe(s.at);
      expect(r.latencyMs).toBe(s.at);
      expect(r.decidedBy.policy).toBe(c.policy.name);
      if (s.trigger) expect(r.decidedBy.trigger).toBe(s.trigger);
      expect(r.candidates.map((x) => modelKey(x.model)).sort()).toEqual([...c.models].sort());
    } else {
      expect(t.state).toBe('rejected');
      const e = t.error as RendezvousError;
      expect(e).toBeInstanceOf(
        s.error === 'DEADLINE_EXCEEDED' ? DeadlineExceededError : NoUsableScoreError,
      );
      expect(e.code).toBe(s.error);
      expect(e.retryable).toBe(true);
    }

    // Let every model finish (or not) and the deadline pass: one record, nothing left open.
    await b.clock.advance(DEADLINE);
    expect(b.results).toHaveLength(1);
    const record = b.results[0]!;
    expect(record.status).toBe(s.chosen ? 'answered' : 'failed');
    if (s.error) expect(record.error?.code).toBe(s.error);
    if (s.chosen) expect(modelKey(record.chosen!.model)).toBe(s.chosen);
    expect(record.late.map((x) => modelKey(x.model))).toEqual(s.late ?? []);
    const stats = b.rendezvous.stats();
    expect(stats).toMatchObject({ inFlight: 0, openMailboxes: 0, lateScores: s.late?.length ?? 0 });
    expect(stats.answered + stats.failed).toBe(1);
    await b.close();
    expect(b.completed.value).toBe(true);
  });
});

describe('late scores', () => {
  it('are recorded with their latency, never answer twice, and close the mailbox when all are in', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1', 'c@1']);
    const t = track(
      b.rendezvous.request({
        'a@1': { ms: 10, out: 1 },
        'b@1': { ms: 20, out: 2 },
        'c@1': { ms: 30, fail: 'x' },
      }),
      b.clock,
    );
    await b.clock.advance(10);
    expect(t.value?.chosen?.output).toBe(1);
    expect(t.value?.late).toEqual([]);
    await b.clock.advance(10);
    // Decided but still open: waiting for c@1.
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 1, lateScores: 1 });
    expect(b.results).toHaveLength(0);
    await b.clock.advance(10);
    expect(b.rendezvous.stats()).toMatchObject({ openMailboxes: 0, lateScores: 2, answered: 1 });
    expect(b.results).toHaveLength(1);
    const r = b.results[0]!;
    expect(r.chosen?.output).toBe(1);
    expect(r.late).toEqual([
      { model: expect.objectContaining({ name: 'b' }), status: 'ok', output: 2, latencyMs: 20 },
      {
        model: expect.objectContaining({ name: 'c' }),
        status: 'error',
        error: { code: 'PREDICT_FAILED', message: 'x' },
        latencyMs: 30,
      },
    ]);
    // The pending candidates at decision time are listed as such.
    expect(r.candidates.filter((x) => x.status === 'pending')).toHaveLength(2);
    await b.close();
  });

  it('a mailbox decided with models pending closes at the deadline at the latest', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1']);
    const t = track(b.rendezvous.request({ 'a@1': { ms: 10 } }), b.clock);
    await b.clock.advance(10);
    expect(t.state).toBe('resolved');
    expect(b.rendezvous.stats().openMailboxes).toBe(1);
    await b.clock.advance(DEADLINE - 11);
    expect(b.rendezvous.stats().openMailboxes).toBe(1);
    await b.clock.advance(1);
    expect(b.rendezvous.stats().openMailboxes).toBe(0);
    expect(b.results).toHaveLength(1);
    expect(b.results[0]!.late).toEqual([]);
    await b.close();
  });
});

describe('policies that throw or ask for wake-ups', () => {
  it('a policy that throws fails the request with NoUsableScoreError instead of crashing', async () => {
    const broken = definePolicy('broken', (v) => {
      if (v.scores.length > 0) throw new Error('bug in policy');
      return { action: 'wait' };
    });
    const b = await frontEndRig(broken, ['a@1']);
    const t = track(b.rendezvous.request({ 'a@1': { ms: 5 } }), b.clock);
    await b.clock.advance(5);
    expect(t.state).toBe('rejected');
    expect(t.error).toBeInstanceOf(NoUsableScoreError);
    expect((t.error as Error).message).toContain('policy threw: bug in policy');
    expect(b.rendezvous.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0, failed: 1 });
    await b.close();
  });

  it('a custom policy is evaluated again at the wake-up time it asks for', async () => {
    const times: number[] = [];
    const patient = definePolicy('patient', (v) => {
      times.push(v.now);
      const s = v.scores.find((x) => x.ok);
      if (s?.ok && v.now >= v.startedAt + 100)
        return { action: 'answer', score: s, reason: 'waited 100 ms' };
      return { action: 'wait', wakeAt: v.startedAt + 100 };
    });
    const b = await frontEndRig(patient, ['a@1']);
    const t = track(b.rendezvous.request({ 'a@1': { ms: 5 } }), b.clock);
    await b.clock.advance(99);
    expect(t.state).toBe('pending');
    await b.clock.advance(1);
    expect(t.state).toBe('resolved');
    expect(t.value?.decidedBy).toEqual({
      policy: 'patient',
      reason: 'waited 100 ms',
      trigger: 'wake',
    });
    expect(times).toEqual([5, 100]);
    await b.close();
  });
});
