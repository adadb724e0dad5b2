import { describe, expect, it } from 'vitest';
import { TopicListWatch } from '../src/topic-list-watch.js';

function watchOf(topics: () => Promise<readonly string[]>, halted = () => false) {
  const logged: string[] = [];
  const watch = new TopicListWatch({
    topics,
    halted,
    groupId: 'g1',
    log: (message) => logged.push(message),
    rejoin: async () => undefined,
  });
  return { watch, logged };
}

describe('TopicListWatch.toJoin', () => {
  it('keeps the topics it returns as joined', async () => {
    const { watch } = watchOf(async () => ['a', 'b']);
    expect(await watch.toJoin(() => expect.fail('no failure'))).toEqual(['a', 'b']);
    expect(watch.joined).toEqual(['a', 'b']);
  });

  it('keeps an empty list but has nothing to join (a tap before its first reply topic)', async () => {
    const { watch } = watchOf(async () => []);
    expect(await watch.toJoin(() => expect.fail('no failure'))).toBeUndefined();
    expect(watch.joined).toEqual([]);
  });

  it('logs a failed read naming the group, then calls failed (the restart)', async () => {
    const { watch, logged } = watchOf(async () => Promise.reject(new Error('broker down')));
    let failed = 0;
    expect(await watch.toJoin(() => failed++)).toBeUndefined();
    expect(failed).toBe(1);
    expect(logged).toEqual(['cannot prepare group g1']);
  });

  it('joins nothing once the member halted, before or during the read', async () => {
    let halted = true;
    const before = watchOf(
      async () => ['a'],
      () => halted,
    );
    expect(await before.watch.toJoin(() => undefined)).toBeUndefined();
    halted = false;
    const during = watchOf(
      async () => {
        halted = true;
        return ['a'];
      },
      () => halted,
    );
    expect(await during.watch.toJoin(() => undefined)).toBeUndefined();
    expect(during.watch.joined).toEqual([]);
  });
});
