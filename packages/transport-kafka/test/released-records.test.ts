import { VirtualClock } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { type ReleasedRecord, ReleasedRecords } from '../src/released-records.js';

const record = (partitionKey: string, offset: number): ReleasedRecord => ({
  generation: 1,
  partitionKey,
  offset,
  content: { source: 's', id: `0-${offset}`, payload: 'x' },
});

describe('ReleasedRecords', () => {
  it('makes a record due only after its delay, on the clock it is given', async () => {
    const clock = new VirtualClock(0);
    let signals = 0;
    const released = new ReleasedRecords(clock, () => signals++);
    released.hold(record('t|0', 1), 500);
    await clock.advance(499);
    expect(released.dueCount).toBe(0);
    await clock.advance(1);
    expect(signals).toBe(1);
    expect(released.takeDue()?.offset).toBe(1);
    expect(released.takeDue()).toBeUndefined();
  });

  it('makes a record without delay due at once, and signals in a later macrotask', async () => {
    let signals = 0;
    const released = new ReleasedRecords(new VirtualClock(0), () => signals++);
    released.hold(record('t|0', 1), 0);
    expect(released.dueCount).toBe(1); // counted at once: a fetch cannot take its credit
    expect(signals).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(signals).toBe(1);
  });

  it('drops the records of revoked partitions, waiting or due', async () => {
    const clock = new VirtualClock(0);
    let signals = 0;
    const released = new ReleasedRecords(clock, () => signals++);
    released.hold(record('t|0', 1), 100);
    released.hold(record('t|1', 2), 100);
    released.hold(record('t|1', 3), 0);
    released.keepOnly(new Set(['t|0']));
    expect(released.dueCount).toBe(0);
    await clock.advance(100);
    expect(released.takeDue()?.offset).toBe(1);
    expect(released.takeDue()).toBeUndefined();
    released.hold(record('t|0', 4), 100);
    released.clear();
    await clock.advance(1000);
    expect(released.dueCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
