import type { Redis } from 'ioredis';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces the acks of one consumer group made in the same tick into one `XACK` per stream,
 * so a burst of acks costs one command rather than one each.
 */
export class AckBatcher {
  private readonly ids = new Map<string, string[]>();
  private readonly waiters: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly command: Redis,
    private readonly group: string,
  ) {}

  /** Acknowledges entry `id` of stream `key`; resolves once Redis has applied it. */
  ack(key: string, id: string): Promise<void> {
    let list = this.ids.get(key);
    if (!list) {
      list = [];
      this.ids.set(key, list);
    }
    list.push(id);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    this.scheduled = false;
    const waiters = this.waiters.splice(0);
    const calls: Promise<unknown>[] = [];
    for (const [key, ids] of this.ids)
      calls.push(this.command.call('XACK', key, this.group, ...ids));
    this.ids.clear();
    Promise.all(calls).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}
