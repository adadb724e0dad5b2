import type { TransportErrors } from '@rendezvous-ml/core/transport';
import type { Redis } from 'ioredis';
import { createGroup } from './group-commands.js';
import type { ConsumedStreams } from './group-consumer.js';
import { groupLagOf } from './group-lag.js';
import type { RedisConnections } from './redis-connections.js';
import { redisInteger } from './redis-integer.js';
import type { RedisKeys } from './redis-keys.js';

/** Group created on every reply stream by its owner, so the stream exists (for PEXPIRE). */
const OWNER_GROUP = 'rdv-owner';

/**
 * The reply tap: the registry of live reply streams (the ZSET `<prefix>replies`, score = expiry)
 * that lets a group read every reply to every address. Owners register their addresses and
 * refresh them every `replyTtlMs / 3`; a tap member reads every live reply stream, with its group
 * created on each; the groups to create on a new reply stream are in `<prefix>tap-groups`.
 */
export class ReplyTap {
  private readonly owned = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: RedisKeys,
    private readonly replyTtlMs: number,
    private readonly connections: RedisConnections,
    private readonly errors: TransportErrors,
  ) {}

  /** Declares a tap group: created on every live reply stream now, and on every new one. */
  async ensureGroup(command: Redis, group: string): Promise<void> {
    await command.sadd(this.keys.tapGroups, group);
    for (const key of await this.liveReplyKeys(command)) {
      await createGroup(command, key, group, '$', false).catch(() => undefined);
    }
  }

  /** Creates the reply stream of `address`, with every tap group on it, and registers it. */
  async createStream(command: Redis, address: string): Promise<void> {
    const key = this.keys.reply(address);
    const tapGroups = await command.smembers(this.keys.tapGroups);
    const batch = command.multi();
    batch.call('XGROUP', 'CREATE', key, OWNER_GROUP, '$', 'MKSTREAM');
    for (const g of tapGroups) batch.call('XGROUP', 'CREATE', key, g, '0');
    batch.zadd(this.keys.replies, Date.now() + this.replyTtlMs, address);
    batch.pexpire(key, redisInteger(this.replyTtlMs));
    await batch.exec();
  }

  /** Keeps the registration of `address` (and its stream) alive until {@link disown}. */
  own(address: string): void {
    this.owned.add(address);
    this.scheduleRefresh();
  }

  /**
   * Stops refreshing `address`, but keeps its stream a little longer (`replyTtlMs`) so the tap
   * can read what is left.
   */
  async disown(command: Redis, address: string): Promise<void> {
    this.owned.delete(address);
    if (this.owned.size === 0) this.stop();
    await command
      .multi()
      .zadd(this.keys.replies, Date.now() + this.replyTtlMs, address)
      .pexpire(this.keys.reply(address), redisInteger(this.replyTtlMs))
      .exec()
      .catch(() => undefined);
  }

  /** What a member of tap group `group` reads: every live reply stream. */
  streamsFor(command: Redis, group: string, refreshMs: number): ConsumedStreams {
    const known = new Set<string>();
    return {
      refreshMs,
      sourceOf: (key) => this.keys.addressOf(key),
      resolve: async (recovering) => {
        if (recovering) known.clear();
        const keys = await this.liveReplyKeys(command);
        const usable: string[] = [];
        for (const key of keys) {
          if (!known.has(key)) {
            try {
              await createGroup(command, key, group, '0', false);
              known.add(key);
            } catch {
              continue; // the stream is gone
            }
          }
          usable.push(key);
        }
        for (const key of known) if (!keys.includes(key)) known.delete(key);
        return usable;
      },
    };
  }

  /**
   * What tap group `group` has not acknowledged, over every live reply stream (one whose stream
   * expired is gone, and so are its replies).
   */
  async groupLag(command: Redis, group: string): Promise<number> {
    let lag = 0;
    for (const key of await this.liveReplyKeys(command))
      lag += await groupLagOf(command, key, group);
    return lag;
  }

  /** Stops refreshing (the transport is closing). */
  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private async liveReplyKeys(command: Redis): Promise<string[]> {
    const addresses = await command.zrangebyscore(this.keys.replies, Date.now(), '+inf');
    return addresses.map((a) => this.keys.reply(a));
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setInterval(
      () => {
        const command = this.connections.current;
        if (!command || this.owned.size === 0) return;
        const now = Date.now();
        const batch = command.multi().zremrangebyscore(this.keys.replies, '-inf', now);
        for (const a of this.owned) {
          batch.zadd(this.keys.replies, now + this.replyTtlMs, a);
          // Re-creates the stream if Redis lost it (a restart without persistence): replies are
          // written with NOMKSTREAM, so a missing stream would drop them all. BUSYGROUP otherwise,
          // which EXEC reports per command and which is ignored.
          batch.call('XGROUP', 'CREATE', this.keys.reply(a), OWNER_GROUP, '$', 'MKSTREAM');
          batch.pexpire(this.keys.reply(a), redisInteger(this.replyTtlMs));
        }
        batch.exec().catch((e: unknown) => this.errors.reportRaw(e, 'reply address refresh'));
      },
      Math.max(100, Math.floor(this.replyTtlMs / 3)),
    );
    this.refreshTimer.unref();
  }
}
