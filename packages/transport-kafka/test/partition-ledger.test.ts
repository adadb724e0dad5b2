import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionLedger } from '../src/partition-ledger.js';

describe('PartitionLedger', () => {
  it('never commits past a released offset, and commits it once its redelivery is acknowledged', () => {
    const ledger = new PartitionLedger();
    for (const o of [5, 6, 7]) ledger.delivered(o);
    expect(ledger.release(6)).toBe(true);
    expect(ledger.outstanding()).toBe(2); // 6 is no longer held
    ledger.ack(5);
    ledger.ack(7);
    expect(ledger.commitOffset()).toBe(6); // stops before the released offset
    expect(ledger.ack(6)).toBe(false); // the released handle cannot ack it
    expect(ledger.redelivered(6)).toBe(true);
    expect(ledger.outstanding()).toBe(1);
    expect(ledger.ack(6)).toBe(true);
    expect(ledger.commitOffset()).toBe(8);
  });

  it('ignores a release after an ack, a second release, and a release of an unknown offset', () => {
    const ledger = new PartitionLedger();
    ledger.delivered(1);
    ledger.delivered(2);
    ledger.ack(1);
    expect(ledger.release(1)).toBe(false);
    expect(ledger.release(2)).toBe(true);
    expect(ledger.release(2)).toBe(false);
    expect(ledger.release(9)).toBe(false);
    expect(ledger.redelivered(1)).toBe(false);
  });

  it('commits exactly the contiguous acknowledged prefix, whatever the order of acks and releases', () => {
    type Op = { kind: 'ack' | 'release' | 'redeliver'; index: number };
    const op = fc.record({
      kind: fc.constantFrom<'ack' | 'release' | 'redeliver'>('ack', 'release', 'redeliver'),
      index: fc.nat({ max: 19 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(op, { maxLength: 80 }),
        (n, ops: Op[]) => {
          const ledger = new PartitionLedger();
          const base = 100;
          for (let i = 0; i < n; i++) ledger.delivered(base + i);
          const state = Array.from({ length: n }, () => 'held' as 'held' | 'acked' | 'released');
          for (const { kind, index } of ops) {
            if (index >= n) continue;
            const offset = base + index;
            if (kind === 'ack') {
              expect(ledger.ack(offset)).toBe(state[index] === 'held');
              if (state[index] === 'held') state[index] = 'acked';
            } else if (kind === 'release') {
              expect(ledger.release(offset)).toBe(state[index] === 'held');
              if (state[index] === 'held') state[index] = 'released';
            } else {
              expect(ledger.redelivered(offset)).toBe(state[index] === 'released');
              if (state[index] === 'released') state[index] = 'held';
            }
            const prefix = state.findIndex((s) => s !== 'acked');
            const expected = prefix === -1 ? base + n : prefix === 0 ? undefined : base + prefix;
            const commit = ledger.commitOffset();
            if (commit !== undefined) ledger.committed = commit;
            expect(commit === undefined || commit === expected).toBe(true);
            expect(ledger.outstanding()).toBe(state.filter((s) => s === 'held').length);
          }
        },
      ),
    );
  });
});

describe('PartitionLedger.ackedBetween', () => {
  it('counts the offsets acknowledged after a gap, within the range asked', () => {
    const ledger = new PartitionLedger();
    for (const o of [10, 11, 12, 13]) ledger.delivered(o);
    ledger.ack(11);
    ledger.ack(13);
    expect(ledger.ackedBetween(10, 14)).toBe(2);
    expect(ledger.ackedBetween(12, 14)).toBe(1);
    expect(ledger.ackedBetween(14, 20)).toBe(0);
    ledger.ack(10); // 10 and 11 become the committable prefix
    expect(ledger.ackedBetween(10, 14)).toBe(1);
  });
});
