import type { Delivery } from '@rendezvous-ml/core';
import { wrapDelivery } from '@rendezvous-ml/test-kit';
import { describe, expect, it } from 'vitest';

function delivery(extra: Partial<Delivery> = {}) {
  const calls: string[] = [];
  const d: Delivery = {
    source: 'requests',
    id: '1-0',
    payload: '{}',
    deliveryCount: 2,
    ack: async () => void calls.push('ack'),
    release: async (o) => void calls.push(`release ${o?.delayMs}`),
    ...extra,
  };
  return { d, calls };
}

describe('wrapDelivery', () => {
  it('keeps every message field, key and envelope included, and adds no absent one', () => {
    const envelope = { id: 'r' };
    const { d } = delivery({ key: 'r', envelope });
    const { ack: _a, release: _r, ...fields } = wrapDelivery(d, {});
    expect(fields).toEqual({
      source: 'requests',
      id: '1-0',
      payload: '{}',
      key: 'r',
      envelope,
      deliveryCount: 2,
    });
    expect(Object.keys(wrapDelivery(delivery().d, {}))).not.toContain('key');
    expect(Object.keys(wrapDelivery(delivery().d, {}))).not.toContain('envelope');
  });

  it('uses the ack and release given, and the original ones by default', async () => {
    const { d, calls } = delivery();
    const spied: string[] = [];
    const wrapped = wrapDelivery(d, { ack: async () => void spied.push('ack') });
    await wrapped.ack();
    await wrapped.release({ delayMs: 5 });
    expect(spied).toEqual(['ack']);
    expect(calls).toEqual(['release 5']);
  });
});
