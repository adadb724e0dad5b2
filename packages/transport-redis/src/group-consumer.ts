import type { Delivery } from '@rendezvous-ml/core';
import type { Redis } from 'ioredis';
import type { Subscriber } from 'rxjs';
import { AckBatcher } from './ack-batcher.js';
import { decodeStreamEntry, parseEntries, parseReadReply } from './stream-entry.js';

/** What a {@link GroupConsumer} needs from its transport. */
export interface GroupConsumerHost {
  readonly command: Redis;
  /** A connection of its own, for blocking reads. Disconnected by `stop()`. */
  readonly reader: Redis;
  readonly group: string;
  readonly consumer: string;
  readonly prefetch: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  /** Whether the set of keys can change (the reply tap) and must be refreshed periodically. */
  readonly dynamicKeys: boolean;
  /** How often a dynamic key set is refreshed, so a new reply stream is read promptly. */
  readonly keysRefreshMs: number;
  /**
   * The stream keys to read, with the group created on each. `recovering` is true when Redis
   * lost the group (NOGROUP) or the connection came back, and groups must be recreated.
   */
  resolveKeys(recovering: boolean): Promise<readonly string[]>;
  /** The `source` of deliveries read from `key`. */
  sourceOf(key: string): string;
  onMalformed(): void;
  onClaimed(count: number): void;
  onError(error: unknown, operation: string): void;
  ackError(error: unknown): Error;
}

interface Raw {
  readonly id: string;
  readonly fields: readonly unknown[] | null;
}

const HANDOVER_IDLE_MS = 1e12;
const NOGROUP = 'NOGROUP';

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith(NOGROUP);
}

/**
 * One member of a consumer group on one or more streams: the read loop behind one `consume`
 * subscription. It never holds more than `prefetch` unacknowledged deliveries, reads its own
 * pending entries before new ones, claims entries other members left idle, and hands its own
 * unacknowledged entries back to the group when it stops.
 */
export class GroupConsumer {
  private readonly held = new Set<string>();
  private readonly buffer: Delivery[] = [];
  private readonly acks: AckBatcher;
  private stopped = false;
  private resync = false;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private keys: readonly string[] = [];

  constructor(
    private readonly host: GroupConsumerHost,
    private readonly subscriber: Subscriber<Delivery>,
  ) {
    this.acks = new AckBatcher(host.command, host.group);
    let connected = false;
    host.reader.on('ready', () => {
      if (connected) this.resync = true;
      connected = true;
    });
  }

  start(): void {
    void this.run();
  }

  /**
   * Stops reading, closes the reader connection and makes every entry this member holds
   * unacknowledged immediately claimable by the other members.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.signal();
    this.host.reader.disconnect();
    const byKey = new Map<string, string[]>();
    const add = (ref: string): void => {
      const i = ref.indexOf('\n');
      const key = ref.slice(0, i);
      const list = byKey.get(key) ?? [];
      list.push(ref.slice(i + 1));
      byKey.set(key, list);
    };
    for (const ref of this.held) add(ref);
    for (const d of this.buffer) add(this.refOf(d));
    this.buffer.length = 0;
    const { command, group, consumer } = this.host;
    await Promise.all(
      [...byKey].map(([key, ids]) =>
        command
          .call('XCLAIM', key, group, consumer, 0, ...ids, 'IDLE', HANDOVER_IDLE_MS, 'JUSTID')
          .catch(() => undefined),
      ),
    );
  }

  private refs = new WeakMap<Delivery, string>();
  private refOf(d: Delivery): string {
    return this.refs.get(d) ?? '';
  }

  private signal(): void {
    if (this.sleepTimer) {
      clearTimeout(this.sleepTimer);
      this.sleepTimer = undefined;
    }
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits until an ack frees a credit, `ms` pass (if given), or the consumer stops. */
  private pause(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== undefined)
        this.sleepTimer = setTimeout(() => {
          this.sleepTimer = undefined;
          this.signal();
        }, ms);
    });
  }

  private get credits(): number {
    return this.host.prefetch - this.held.size;
  }

  private async run(): Promise<void> {
    const { host } = this;
    let pending = true;
    let cursors = new Map<string, string>();
    let nextClaim = 0;
    let nextKeys = 0;
    let failures = 0;
    let recovering = false;
    let needKeys = true;
    while (!this.stopped) {
      try {
        this.flushBuffer();
        if (this.credits <= 0 || this.buffer.length > 0) {
          await this.pause();
          continue;
        }
        if (this.resync) {
          this.resync = false;
          recovering = true;
          needKeys = true;
          pending = true;
        }
        if (needKeys) {
          this.keys = await host.resolveKeys(recovering);
          recovering = false;
          needKeys = false;
          if (pending) cursors = new Map(this.keys.map((k) => [k, '0-0']));
        }
        if (pending && this.keys.length > 0) {
          const n = await this.readPending(cursors);
          if (n === 0) pending = false;
          failures = 0;
          continue;
        }
        pending = false;
        const now = Date.now();
        if (host.dynamicKeys && now >= nextKeys) {
          this.keys = await host.resolveKeys(false);
          nextKeys = Date.now() + host.keysRefreshMs;
          failures = 0;
          continue;
        }
        if (now >= nextClaim) {
          await this.claim();
          nextClaim = Date.now() + host.claimIntervalMs;
          failures = 0;
          continue;
        }
        const due = host.dynamicKeys ? Math.min(nextClaim, nextKeys) : nextClaim;
        const block = Math.max(1, Math.min(host.blockMs, due - now));
        if (this.keys.length === 0) {
          await this.pause(block);
          continue;
        }
        const reply = await host.reader.call(
          'XREADGROUP',
          'GROUP',
          host.group,
          host.consumer,
          'COUNT',
          this.credits,
          'BLOCK',
          block,
          'STREAMS',
          ...this.keys,
          ...this.keys.map(() => '>'),
        );
        failures = 0;
        if (this.stopped) break;
        for (const batch of parseReadReply(reply)) this.deliver(batch.stream, batch.entries);
      } catch (error) {
        if (this.stopped) break;
        if (isNoGroup(error)) {
          recovering = true;
          needKeys = true;
          continue;
        }
        host.onError(error, 'read');
        failures++;
        await this.pause(Math.min(50 * 2 ** failures, 1000));
      }
    }
  }

  /** Reads this member's own pending entries (after a restart); returns how many it got. */
  private async readPending(cursors: Map<string, string>): Promise<number> {
    const { host } = this;
    const keys = this.keys;
    const reply = await host.reader.call(
      'XREADGROUP',
      'GROUP',
      host.group,
      host.consumer,
      'COUNT',
      this.credits,
      'STREAMS',
      ...keys,
      ...keys.map((k) => cursors.get(k) ?? '0-0'),
    );
    let total = 0;
    for (const batch of parseReadReply(reply)) {
      const entries = batch.entries;
      if (entries.length === 0) continue;
      total += entries.length;
      cursors.set(batch.stream, entries[entries.length - 1]!.id);
      const counts = await this.pendingCounts(batch.stream, entries[0]!.id, entries.at(-1)!.id);
      this.deliver(batch.stream, entries, counts);
    }
    return total;
  }

  private async pendingCounts(key: string, from: string, to: string): Promise<Map<string, number>> {
    const { host } = this;
    const rows = await host.command.call(
      'XPENDING',
      key,
      host.group,
      from,
      to,
      this.host.prefetch + this.held.size + 16,
      host.consumer,
    );
    const counts = new Map<string, number>();
    if (Array.isArray(rows))
      for (const r of rows)
        if (Array.isArray(r) && typeof r[0] === 'string') counts.set(r[0], Number(r[3]));
    return counts;
  }

  /**
   * Claims entries idle for longer than `claimIdleMs` on any member, except those this member
   * is processing right now (a slow member must not keep re-claiming its own entries, which
   * would reset their idle time and starve the others). XPENDING gives the delivery counts.
   */
  private async claim(): Promise<void> {
    const { host } = this;
    for (const key of this.keys) {
      const credits = this.credits;
      if (credits <= 0 || this.stopped) return;
      const rows = await host.command.call(
        'XPENDING',
        key,
        host.group,
        'IDLE',
        host.claimIdleMs,
        '-',
        '+',
        credits + this.held.size,
      );
      if (!Array.isArray(rows) || rows.length === 0) continue;
      const counts = new Map<string, number>();
      for (const r of rows) {
        if (!Array.isArray(r) || typeof r[0] !== 'string') continue;
        if (this.held.has(`${key}\n${r[0]}`)) continue;
        counts.set(r[0], Number(r[3]) + 1);
        if (counts.size >= credits) break;
      }
      if (counts.size === 0) continue;
      const claimed = await host.command.call(
        'XCLAIM',
        key,
        host.group,
        host.consumer,
        host.claimIdleMs,
        ...counts.keys(),
      );
      if (this.stopped) return;
      const entries = Array.isArray(claimed) ? parseEntries(claimed) : [];
      host.onClaimed(entries.length);
      this.deliver(key, entries, counts);
    }
  }

  private deliver(key: string, entries: readonly Raw[], counts?: Map<string, number>): void {
    const { host } = this;
    const source = host.sourceOf(key);
    for (const raw of entries) {
      const ref = `${key}\n${raw.id}`;
      if (raw.fields === null) {
        // Trimmed while pending: nothing left to deliver.
        void this.acks.ack(key, raw.id).catch(() => undefined);
        continue;
      }
      if (this.held.has(ref)) continue;
      const entry = decodeStreamEntry(raw.id, raw.fields);
      if (entry.malformed) host.onMalformed();
      let acked = false;
      const delivery: Delivery = {
        source,
        id: entry.id,
        payload: entry.payload,
        deliveryCount: counts?.get(entry.id) ?? 1,
        ...(entry.key === undefined ? {} : { key: entry.key }),
        ack: () => {
          if (acked) return Promise.resolve();
          acked = true;
          if (this.held.delete(ref) && this.held.size === this.host.prefetch - 1) this.signal();
          return this.acks.ack(key, entry.id).catch((error: unknown) => {
            throw host.ackError(error);
          });
        },
      };
      this.refs.set(delivery, ref);
      this.buffer.push(delivery);
    }
    this.flushBuffer();
  }

  private flushBuffer(): void {
    while (this.buffer.length > 0 && this.credits > 0 && !this.stopped) {
      const d = this.buffer.shift()!;
      this.held.add(this.refOf(d));
      this.subscriber.next(d);
    }
  }
}
