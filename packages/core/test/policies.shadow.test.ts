import { latestVersion, priority, shadow } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { frontEndRig, track } from './harness.js';

describe('shadow(policy, models)', () => {
  it('never chooses a shadow model, even the newest, and does not wait for it', async () => {
    const b = await frontEndRig(shadow(latestVersion(), ['dt@2']), ['dt@1', 'dt@2']);
    const answer = track(
      b.rendezvous.request({ 'dt@1': { ms: 20, out: 'one' }, 'dt@2': { ms: 200, out: 'two' } }),
      b.clock,
    );
    await b.clock.advance(20);
    expect(answer.state).toBe('resolved');
    expect(answer.at).toBe(20);
    expect(answer.value?.chosen).toMatchObject({
      model: { name: 'dt', version: '1' },
      output: 'one',
    });
    // Its score is still recorded for comparison: the mailbox stays open for it (up to the
    // deadline), and the result lists it as pending at the decision and then as a late score.
    await b.clock.advance(200);
    const result = b.results.find((r) => r.requestId === answer.value?.requestId);
    const v2 = expect.objectContaining({ version: '2' });
    expect(result?.candidates).toContainEqual(
      expect.objectContaining({ model: v2, status: 'pending' }),
    );
    expect(result?.late).toContainEqual(expect.objectContaining({ model: v2 }));
    await b.close();
  });

  it('answers with the inner policy alone when the shadow model answers first', async () => {
    const b = await frontEndRig(shadow(priority({ order: ['dt'] }), ['lr']), ['dt@1', 'lr@1']);
    const answer = track(
      b.rendezvous.request({ 'dt@1': { ms: 50, out: 'dt' }, 'lr@1': { ms: 5, out: 'lr' } }),
      b.clock,
    );
    await b.clock.advance(50);
    expect(answer.value?.chosen?.output).toBe('dt');
    expect(answer.at).toBe(50);
    await b.close();
  });

  it('fails (rather than answering with the shadow) when every model it may choose failed', async () => {
    const b = await frontEndRig(shadow(latestVersion(), ['dt@2']), ['dt@1', 'dt@2']);
    const answer = track(
      b.rendezvous.request({ 'dt@1': { ms: 10, fail: 'boom' }, 'dt@2': { ms: 5, out: 'two' } }),
      b.clock,
    );
    await b.clock.advance(10);
    expect(answer.state).toBe('rejected');
    expect((answer.error as { code: string }).code).toBe('NO_USABLE_SCORE');
    await b.close();
  });
});
