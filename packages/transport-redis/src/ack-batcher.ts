import { Coalescer } from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';

/**
 * Coalesces the acks of one consumer group into one `XACK` per stream: what one tick acks goes
 * together, and while an `XACK` round is in flight what comes next waits for the following one,
 * so a burst of acks costs one command rather than one each.
 */
export class AckBatcher {
  private readonly acks: Coalescer<{ readonly key: string; readonly id: string }>;

  constructor(command: Redis, group: string) {
    this.acks = new Coalescer({
      start: 'microtask',
      run: async (batch) => {
        const ids = new Map<string, string[]>();
        for (const { key, id } of batch) {
          const list = ids.get(key);
          if (list) list.push(id);
          else ids.set(key, [id]);
        }
        await Promise.all([...ids].map(([key, list]) => command.call('XACK', key, group, ...list)));
      },
    });
  }

  /** Acknowledges entry `id` of stream `key`; resolves once Redis has applied it. */
  ack(key: string, id: string): Promise<void> {
    return this.acks.add({ key, id });
  }
}
