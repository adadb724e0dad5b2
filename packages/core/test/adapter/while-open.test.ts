import { TransportClosedError } from '@rendezvous-ml/core';
import { whileOpen } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

describe('whileOpen', () => {
  it('attaches while open, runs the teardown on unsubscribe, and errors once closed', () => {
    let closed = false;
    const log: string[] = [];
    const source = whileOpen<number>(
      () => closed,
      (subscriber) => {
        log.push('attach');
        subscriber.next(1);
        return () => log.push('teardown');
      },
    );
    const got: number[] = [];
    source.subscribe((v) => got.push(v)).unsubscribe();
    expect(got).toEqual([1]);
    expect(log).toEqual(['attach', 'teardown']);
    closed = true;
    let error: unknown;
    source.subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(log).toEqual(['attach', 'teardown']); // never attached after close
  });
});
