import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/adapter/coalescer.js';

/** A `run` the test answers batch by batch. */
function scripted<T>() {
  const batches: { items: readonly T[]; settle: (r?: readonly unknown[] | Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (items: readonly T[]) =>
    new Promise<readonly unknown[] | undefined>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push({
        items,
        settle: (r) => {
          inFlight--;
          if (r instanceof Error) reject(r);
          else resolve(r);
        },
      });
    });
  return { batches, run, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  it('starts at once when idle and sends what arrives meanwhile together, in order', async () => {
    const s = scripted<number>();
    const c = new Coalescer({ run: s.run });
    const first = c.add(1);
    expect(s.batches.map((b) => b.items)).toEqual([[1]]);
    const rest = [c.add(2), c.add(3)];
    expect(c.waiting).toBe(2);
    s.batches[0]!.settle();
    await first;
    await tick();
    expect(s.batches[1]!.items).toEqual([2, 3]);
    s.batches[1]!.settle();
    await Promise.all(rest);
  });

  it("with start: 'microtask', what one tick adds goes in one batch", async () => {
    const s = scripted<string>();
    const c = new Coalescer({ run: s.run, start: 'microtask' });
    const all = [c.add('a'), c.add('b')];
    expect(s.batches).toHaveLength(0);
    await Promise.resolve();
    expect(s.batches.map((b) => b.items)).toEqual([['a', 'b']]);
    s.batches[0]!.settle();
    await Promise.all(all);
  });

  it('settles each item with its own outcome, fails a whole batch on a throw, and goes on', async () => {
    const s = scripted<number>();
    const c = new Coalescer({ run: s.run, start: 'microtask' });
    const [a, b] = [c.add(1), c.add(2)];
    await Promise.resolve();
    s.batches[0]!.settle([undefined, new Error('two refused')]);
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toThrow('two refused');
    const [d, e] = [c.add(3), c.add(4)];
    await tick();
    s.batches[1]!.settle(new Error('connection lost'));
    await expect(d).rejects.toThrow('connection lost');
    await expect(e).rejects.toThrow('connection lost');
    const f = c.add(5);
    await tick();
    s.batches[2]!.settle();
    await expect(f).resolves.toBeUndefined();
  });

  it('a run that throws synchronously fails its batch, not the caller of add', async () => {
    const c = new Coalescer<number>({
      run: () => {
        throw new Error('sync');
      },
    });
    await expect(c.add(1)).rejects.toThrow('sync');
  });

  it('takes at most what take() says, and at least one item', async () => {
    const s = scripted<number>();
    const c = new Coalescer({ run: s.run, take: (w) => (w[0] === 9 ? 0 : 2) });
    const all = [1, 2, 3, 9, 4].map((n) => c.add(n));
    for (let i = 0; i < 4; i++) {
      s.batches[i]!.settle();
      await tick();
    }
    await Promise.all(all);
    expect(s.batches.map((b) => b.items)).toEqual([[1], [2, 3], [9], [4]]);
  });

  it('property: every item settles exactly once, in batches that keep the order, one in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, limit) => {
          const s = scripted<number>();
          const c = new Coalescer({ run: s.run, take: () => limit });
          const settled = new Map<number, number>();
          const adds: Promise<void>[] = [];
          let next = 0;
          let answered = 0;
          for (const [burst, fail] of steps) {
            for (let i = 0; i <= burst; i++) {
              const n = next++;
              adds.push(
                c.add(n).then(
                  () => void settled.set(n, (settled.get(n) ?? 0) + 1),
                  () => void settled.set(n, (settled.get(n) ?? 0) + 1),
                ),
              );
            }
            const open = s.batches[answered];
            if (open) {
              answered++;
              open.settle(fail ? new Error('x') : undefined);
              await tick();
            }
          }
          while (answered < s.batches.length || c.waiting > 0) {
            s.batches[answered++]?.settle();
            await tick();
          }
          await Promise.all(adds);
          expect([...settled.keys()].sort((x, y) => x - y)).toEqual([...Array(next).keys()]);
          expect([...settled.values()].every((v) => v === 1)).toBe(true);
          expect(s.batches.flatMap((b) => b.items)).toEqual([...Array(next).keys()]);
          expect(s.batches.every((b) => b.items.length >= 1 && b.items.length <= limit)).toBe(true);
          expect(s.maxInFlight()).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
