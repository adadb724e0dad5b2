import { describe, expect, it } from 'vitest';
import { closeBrokerParts } from '../../src/adapter/close-broker-parts.js';
import { VirtualClock } from '../../src/clock.js';

function parts(clock: VirtualClock, memberClose: () => Promise<unknown>) {
  const order: string[] = [];
  return {
    order,
    parts: {
      members: {
        close: () => {
          order.push('members');
          return memberClose();
        },
      },
      broadcasts: { complete: () => order.push('broadcasts') },
      channels: [{ close: async () => order.push('channel') }],
      withinMs: 3000,
      disconnect: async () => order.push('disconnect'),
      errors: { complete: () => order.push('errors') },
      clock,
    },
  };
}

describe('closeBrokerParts', () => {
  it('closes members and channels, then disconnects, then completes the error side', async () => {
    const clock = new VirtualClock();
    const { order, parts: p } = parts(clock, async () => undefined);
    await closeBrokerParts(p);
    expect(order).toEqual(['members', 'broadcasts', 'channel', 'disconnect', 'errors']);
  });

  it('disconnects after withinMs when a member never stops (a broker that is gone)', async () => {
    const clock = new VirtualClock();
    const { order, parts: p } = parts(clock, () => new Promise(() => undefined));
    const closed = closeBrokerParts(p);
    await clock.advance(2999);
    expect(order).not.toContain('disconnect');
    await clock.advance(1);
    await closed;
    expect(order.slice(-2)).toEqual(['disconnect', 'errors']);
  });
});
