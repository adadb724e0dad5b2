import type { Delivery, ReleaseOptions, RendezvousError } from '@rendezvous-ml/core';
import type { Redis } from 'ioredis';
import type { Subscriber } from 'rxjs';
import { AckBatcher } from './ack-batcher.js';
import { readBackoffMs } from './read-backoff.js';
import { ReleasedEntries } from './released-entries.js';
import {
  decodeStreamEntry,
  parseEntries,
  parsePending,
  parseReadReply,
  type RawEntry,
  toIncomingMessage,
} from './stream-entry.js';

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
  /** Reports (and counts) a failure of the read loop. */
  onError(error: RendezvousError, operation: string): void;
  /** Maps a failure onto the core's errors; a non-retryable one ends the subscription. */
  toError(error: unknown, operation: string): RendezvousError;
}

const HANDOVER_IDLE_MS = 1e12;
const NOGROUP = 'NOGROUP';

/** The group or its stream is gone (NOGROUP; UNBLOCKED when the key was deleted mid-read). */
function isNoGroup(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message.startsWith(NOGROUP) || error.message.startsWith('UNBLOCKED'))
  );
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
  private readonly released: ReleasedEntries;
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
    this.released = new ReleasedEntries(host);
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
    for (const ref of this.released.drain()) add(ref);
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

  /** Ends the subscription with a failure that retrying cannot fix (it was already reported). */
  private fail(error: RendezvousError): void {
    void this.stop();
    this.subscriber.error(error);
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
        if (this.released.size > 0 && (await this.released.touch())) continue;
        if (this.credits <= 0 || this.buffer.length > 0) {
          const touch = this.released.nextTouchAt();
          await this.pause(Number.isFinite(touch) ? Math.max(1, touch - Date.now()) : undefined);
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
        if (this.released.size > 0 && (await this.redeliverReleased())) {
          failures = 0;
          continue;
        }
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
        const due = Math.min(
          host.dynamicKeys ? Math.min(nextClaim, nextKeys) : nextClaim,
          this.released.nextDueAt(),
          this.released.nextTouchAt(),
        );
        // Redis refuses a BLOCK that is not a whole number of ms, and a release's due time is
        // not one (a jittered backoff): round up, so the read never wakes before it is due.
        const block = Math.max(1, Math.ceil(Math.min(host.blockMs, due - now)));
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
        const failure = host.toError(error, 'read');
        host.onError(failure, 'read');
        if (!failure.retryable) {
          // A wrong password, a missing permission or a reply this transport cannot read: the
          // next read would fail the same way, so the subscription ends, loudly.
          this.fail(failure);
          break;
        }
        failures++;
        await this.pause(readBackoffMs(failures));
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
    for (const r of parsePending(rows)) counts.set(r.id, r.deliveries);
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
      const counts = new Map<string, number>();
      for (const r of parsePending(rows)) {
        const ref = `${key}\n${r.id}`;
        if (this.held.has(ref) || this.released.has(ref)) continue;
        counts.set(r.id, r.deliveries + 1);
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
      const entries = parseEntries(claimed, 'XCLAIM');
      host.onClaimed(entries.length);
      this.deliver(key, entries, counts);
    }
  }

  /** Hands a delivery back: its credit is free at once, and it is due again after `delayMs`. */
  private release(ref: string, key: string, id: string, options?: ReleaseOptions): Promise<void> {
    if (this.stopped) return Promise.resolve(); // stop() already handed it to the group
    this.held.delete(ref);
    const added = this.released.add(ref, key, id, Math.max(0, options?.delayMs ?? 0));
    this.signal();
    return added;
  }

  /** Delivers again the released entries that are due; returns whether any was. */
  private async redeliverReleased(): Promise<boolean> {
    const window = this.host.prefetch + this.held.size + this.released.size + 16;
    const batches = await this.released.redeliver(this.credits, window);
    if (!batches) return false;
    if (this.stopped) return true;
    for (const b of batches) this.deliver(b.key, b.entries, b.counts);
    return true;
  }

  private deliver(key: string, entries: readonly RawEntry[], counts?: Map<string, number>): void {
    const { host } = this;
    const source = host.sourceOf(key);
    for (const raw of entries) {
      const ref = `${key}\n${raw.id}`;
      if (raw.fields === null) {
        // Trimmed while pending: nothing left to deliver.
        void this.acks.ack(key, raw.id).catch(() => undefined);
        continue;
      }
      if (this.held.has(ref) || this.released.has(ref)) continue;
      const entry = decodeStreamEntry(raw.id, raw.fields);
      if (entry.malformed) host.onMalformed();
      let acked = false;
      let released = false;
      const delivery: Delivery = {
        ...toIncomingMessage(source, entry),
        deliveryCount: counts?.get(entry.id) ?? 1,
        ack: () => {
          if (acked) return Promise.resolve();
          acked = true;
          this.released.delete(ref);
          if (this.held.delete(ref) && this.held.size === this.host.prefetch - 1) this.signal();
          return this.acks.ack(key, entry.id).catch((error: unknown) => {
            throw host.toError(error, 'ack');
          });
        },
        release: (options) => {
          if (acked || released) return Promise.resolve();
          released = true;
          return this.release(ref, key, entry.id, options);
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
