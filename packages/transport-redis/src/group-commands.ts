import type { Redis } from 'ioredis';
import { redisInteger } from './redis-integer.js';
import {
  type PendingRow,
  parseEntries,
  parsePending,
  parseReadReply,
  type RawEntry,
  type StreamBatch,
} from './stream-entry.js';

/** The idle time of entries handed over on leave, so any member claims them on its next pass. */
const HANDOVER_IDLE_MS = 1e12;

/**
 * Creates group `group` on stream `key` from `start` (`$`: new entries; `0`: all), creating the
 * stream too if `mkStream`. A group that exists already is left alone.
 */
export async function createGroup(
  command: Redis,
  key: string,
  group: string,
  start: '0' | '$',
  mkStream: boolean,
): Promise<void> {
  const args = ['CREATE', key, group, start, ...(mkStream ? ['MKSTREAM'] : [])];
  await command.call('XGROUP', ...args).catch((error: unknown) => {
    if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
    throw error;
  });
}

/** The group or its stream is gone (NOGROUP; UNBLOCKED when the key was deleted mid-read). */
export function isNoGroup(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message.startsWith('NOGROUP') || error.message.startsWith('UNBLOCKED'))
  );
}

/** The reference (`key\nid`) of entry `id` of stream `key`, unique across the streams read. */
export function entryRef(key: string, id: string): string {
  return `${key}\n${id}`;
}

/** Groups `items` by their stream key, in first-seen order. */
export function groupByKey<T extends { readonly key: string }>(
  items: Iterable<T>,
): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const e of items) {
    const list = byKey.get(e.key) ?? [];
    list.push(e);
    byKey.set(e.key, list);
  }
  return byKey;
}

/**
 * The stream-group commands of one member (`consumer` in `group`), and the parsing of their
 * replies: reads on a connection of its own (`reader`, for blocking reads), everything else on
 * the shared `command` connection.
 */
export class GroupCommands {
  constructor(
    readonly command: Redis,
    readonly reader: Redis,
    readonly group: string,
    readonly consumer: string,
  ) {}

  /** Up to `count` new entries (`>`) of `keys`, waiting at most `blockMs` for one. */
  readNew(keys: readonly string[], count: number, blockMs: number): Promise<StreamBatch[]> {
    return this.read(
      count,
      ['BLOCK', redisInteger(blockMs)],
      keys,
      keys.map(() => '>'),
    );
  }

  /** Up to `count` of this member's own pending entries of each key, after its cursor. */
  readOwn(
    keys: readonly string[],
    cursors: readonly string[],
    count: number,
  ): Promise<StreamBatch[]> {
    return this.read(count, [], keys, cursors);
  }

  /** This member's pending entries of `key` between ids `from` and `to`. */
  async pendingOwn(key: string, from: string, to: string, count: number): Promise<PendingRow[]> {
    const { group, consumer } = this;
    return parsePending(
      await this.command.call('XPENDING', key, group, from, to, redisInteger(count), consumer),
    );
  }

  /** Pending entries of `key`, on any member, idle for at least `idleMs`. */
  async pendingIdle(key: string, idleMs: number, count: number): Promise<PendingRow[]> {
    const { group } = this;
    return parsePending(
      await this.command.call(
        'XPENDING',
        key,
        group,
        'IDLE',
        redisInteger(idleMs),
        '-',
        '+',
        redisInteger(count),
      ),
    );
  }

  /** Claims `ids` of `key` idle for at least `minIdleMs` (raises their delivery counts). */
  async claim(key: string, minIdleMs: number, ids: Iterable<string>): Promise<RawEntry[]> {
    const { group, consumer } = this;
    const reply = await this.command.call(
      'XCLAIM',
      key,
      group,
      consumer,
      redisInteger(minIdleMs),
      ...ids,
    );
    return parseEntries(reply, 'XCLAIM');
  }

  /** Resets the idle time of this member's `ids` of `key`, without raising delivery counts. */
  async touch(key: string, ids: Iterable<string>): Promise<void> {
    const { group, consumer } = this;
    await this.command.call('XCLAIM', key, group, consumer, 0, ...ids, 'JUSTID');
  }

  /** Marks the entries `refs` as long idle, so another member claims them on its next pass. */
  async handOver(refs: Iterable<string>): Promise<void> {
    const entries = [...refs].map((ref) => {
      const i = ref.indexOf('\n');
      return { key: ref.slice(0, i), id: ref.slice(i + 1) };
    });
    const { group, consumer } = this;
    await Promise.all(
      [...groupByKey(entries)].map(([key, list]) =>
        this.command
          .call(
            'XCLAIM',
            key,
            group,
            consumer,
            0,
            ...list.map((e) => e.id),
            'IDLE',
            HANDOVER_IDLE_MS,
            'JUSTID',
          )
          .catch(() => undefined),
      ),
    );
  }

  private async read(
    count: number,
    block: readonly (string | number)[],
    keys: readonly string[],
    ids: readonly string[],
  ): Promise<StreamBatch[]> {
    const { group, consumer } = this;
    const reply = await this.reader.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      redisInteger(count),
      ...block,
      'STREAMS',
      ...keys,
      ...ids,
    );
    return parseReadReply(reply);
  }
}
