import { Redis } from 'ioredis';

/**
 * The CPU time redis-server has spent so far (user + system, µs), from its own `INFO cpu`
 * (`used_cpu_user`, `used_cpu_sys`): the broker's share of a system's cost, which no process of
 * ours can see.
 *
 * @example
 * ```ts
 * const cpu = redisServerCpu(url);
 * const before = await cpu.read();
 * await cpu.close();
 * ```
 */
export function redisServerCpu(url: string): { read(): Promise<number>; close(): void } {
  const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  return {
    async read() {
      const info = await client.info('cpu');
      const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1]);
      const seconds = field('used_cpu_user') + field('used_cpu_sys');
      if (!Number.isFinite(seconds)) throw new Error(`no used_cpu_* in INFO cpu: ${info}`);
      return seconds * 1e6;
    },
    close: () => client.disconnect(),
  };
}
