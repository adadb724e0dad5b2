import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotStartedError } from '../src/errors.js';
import { Lifecycle } from '../src/lifecycle.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('Lifecycle', () => {
  it('starts once: a second start while starting shares it, one while running resolves', async () => {
    const life = new Lifecycle('worker dt@1', 'ModelWorker');
    const joined = deferred();
    let joins = 0;
    const join = () => {
      joins++;
      return joined.promise;
    };
    const first = life.start(join);
    expect(life.start(join)).toBe(first);
    expect(life.state).toBe('starting');
    joined.resolve();
    await first;
    expect(life.state).toBe('running');
    await life.start(join);
    expect(joins).toBe(1);
  });

  it('a failed start goes back to new, rethrows, and may be retried', async () => {
    const life = new Lifecycle('archiver', 'Archiver');
    const boom = new Error('broker down');
    await expect(life.start(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(life.state).toBe('new');
    await life.start(async () => undefined);
    expect(life.state).toBe('running');
  });

  it('a failure after enterRunning() also goes back to new', async () => {
    const life = new Lifecycle('archiver', 'Archiver');
    await expect(
      life.start(async () => {
        expect(life.enterRunning()).toBe(true);
        throw new Error('subscribe threw');
      }),
    ).rejects.toThrow('subscribe threw');
    expect(life.state).toBe('new');
  });

  it('stop wins over a start in progress: the start resolves, shutdown runs after it settles', async () => {
    const life = new Lifecycle('rendezvous', 'Rendezvous');
    const joined = deferred();
    const order: string[] = [];
    const start = life.start(async () => {
      await joined.promise;
      order.push(`join done, enterRunning=${life.enterRunning()}`);
      throw new Error('late failure, after the stop: not reported');
    });
    const stop = life.stop(async (was) => {
      order.push(`shutdown from ${was}`);
    });
    expect(life.state).toBe('stopping');
    expect(life.stopRequested).toBe(true);
    await flush();
    expect(order).toEqual([]); // waits for the start to settle
    joined.resolve();
    await expect(start).resolves.toBeUndefined();
    await stop;
    expect(order).toEqual(['join done, enterRunning=false', 'shutdown from starting']);
    expect(life.state).toBe('stopped');
  });

  it('stop is idempotent; a stopped component cannot start again, and is told what to do', async () => {
    const life = new Lifecycle('worker dt@1', 'ModelWorker');
    let shutdowns = 0;
    const shutdown = async () => {
      shutdowns++;
    };
    await life.start(async () => undefined);
    const stop = life.stop(shutdown);
    expect(life.stop(shutdown)).toBe(stop);
    await stop;
    expect(shutdowns).toBe(1);
    const error = await life.start(async () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotStartedError);
    expect((error as Error).message).toBe(
      'worker dt@1 was stopped and cannot start again: create a new ModelWorker',
    );
  });

  it('a failing shutdown still ends stopped, and the stop rejects with its error', async () => {
    const life = new Lifecycle('archiver', 'Archiver');
    await expect(life.stop(() => Promise.reject(new Error('sink close failed')))).rejects.toThrow(
      'sink close failed',
    );
    expect(life.state).toBe('stopped');
  });

  it('whatever the order of starts, stops and join outcomes: one shutdown, every call settles, never running after a stop', async () => {
    const op = fc.constantFrom('start', 'stop', 'resolve', 'reject');
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const life = new Lifecycle('c', 'C');
        const joins: ReturnType<typeof deferred>[] = [];
        const calls: Promise<unknown>[] = [];
        let shutdowns = 0;
        let stopCalled = false;
        for (const o of ops) {
          if (o === 'start')
            calls.push(
              life
                .start(() => {
                  const d = deferred();
                  joins.push(d);
                  return d.promise;
                })
                .catch(() => undefined),
            );
          else if (o === 'stop') {
            stopCalled = true;
            calls.push(life.stop(async () => void shutdowns++));
          } else joins.shift()?.[o](new Error('join failed'));
          await flush();
          if (stopCalled) expect(life.state).not.toBe('running');
        }
        for (const d of joins) d.resolve();
        await Promise.all(calls);
        expect(shutdowns).toBe(stopCalled ? 1 : 0);
        if (stopCalled) expect(life.state).toBe('stopped');
      }),
      { numRuns: 300 },
    );
  });
});

describe('Lifecycle interrupt', () => {
  it('is called at once when a start is in progress (to end its waits), and not otherwise', async () => {
    const life = new Lifecycle('c', 'C');
    const window = deferred();
    const start = life.start(() => window.promise);
    let interrupted = 0;
    const stop = life.stop(
      async () => undefined,
      () => {
        interrupted++;
        window.resolve(); // the component ends its discovery window
      },
    );
    expect(interrupted).toBe(1);
    await start;
    await stop;
    const idle = new Lifecycle('c', 'C');
    await idle.stop(
      async () => undefined,
      () => interrupted++,
    );
    expect(interrupted).toBe(1);
  });
});
