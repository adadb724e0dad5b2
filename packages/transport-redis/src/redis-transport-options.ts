import type { ConnectionOptions } from 'node:tls';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * Options of {@link RedisTransport}. Give either `url` or `host`/`port` (or inject `client`).
 * Durations are in milliseconds.
 *
 * @example
 * ```ts
 * const opts: RedisTransportOptions = {
 *   url: 'rediss://redis.internal:6380',
 *   username: 'rendezvous',
 *   password: process.env.REDIS_PASSWORD,
 *   keyPrefix: 'iris:',
 *   maxLen: 50_000,
 * };
 * ```
 */
export interface RedisTransportOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly db?: number;
  /** ACL user name. Never logged. */
  readonly username?: string;
  /** Password. Never logged nor put in error messages. */
  readonly password?: string;
  /** `true` (or Node TLS options) to connect over TLS. */
  readonly tls?: boolean | ConnectionOptions;
  /** Further ioredis options, merged last (before the settings this transport relies on). */
  readonly redisOptions?: RedisOptions;
  /**
   * Creates the command connection from the computed options; the other connections are its
   * `duplicate()`s. Use it to inject a preconfigured or instrumented ioredis client.
   */
  readonly client?: (options: RedisOptions) => Redis;
  /** Prefix of every key and channel this transport touches. Default `rdv:`. */
  readonly keyPrefix?: string;
  /** Approximate maximum length of each stream (`XADD MAXLEN ~`). Default 100 000. */
  readonly maxLen?: number;
  /** Approximate maximum length of each reply stream. Default 10 000. */
  readonly replyMaxLen?: number;
  /** An entry pending longer than this on a member is claimed by another. Default 30 000. */
  readonly claimIdleMs?: number;
  /** How often a member looks for entries to claim. Default 5 000. */
  readonly claimIntervalMs?: number;
  /** How often the reply tap looks for new return addresses to read. Default 1 000. */
  readonly tapRefreshMs?: number;
  /** Longest blocking read. Default 2 000. */
  readonly blockMs?: number;
  /** Unacknowledged deliveries per member when `consume` is not given `prefetch`. Default 64. */
  readonly defaultPrefetch?: number;
  /** How long a return address stays registered for the reply tap without a refresh. Default 30 000. */
  readonly replyTtlMs?: number;
  /**
   * Reconnection attempts a command waits for before it fails with `ConnectionLostError`
   * (ioredis `maxRetriesPerRequest`). Default 2, so a publish fails within a few hundred ms
   * while Redis is down rather than hanging.
   */
  readonly maxRetriesPerRequest?: number;
}
