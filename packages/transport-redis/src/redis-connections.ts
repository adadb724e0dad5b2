import { AuthenticationError, ConfigurationError, TransportClosedError } from '@rendezvous-ml/core';
import { CredentialRedactor, type TransportErrors } from '@rendezvous-ml/core/transport';
import type { Redis, RedisOptions } from 'ioredis';
import { loadIoredis } from './load-ioredis.js';
import type { RedisTransportOptions } from './redis-transport-options.js';

/** The passwords in `options` (and their URL-decoded forms), to redact from every error. */
export function secretsOf(options: RedisTransportOptions): string[] {
  const secrets: string[] = [];
  if (options.password) secrets.push(options.password);
  if (options.redisOptions?.password) secrets.push(options.redisOptions.password);
  if (options.url) {
    if (!URL.canParse(options.url)) throw new ConfigurationError('url is not a valid redis:// URL');
    secrets.push(...CredentialRedactor.urlSecrets(options.url));
  }
  return secrets;
}

/**
 * The connections of one {@link RedisTransport}: one shared command connection, opened on first
 * use, and its duplicates (one per blocking reader and one for pub/sub). Every connection reports
 * its errors; the first refusal of the credentials stops them all from reconnecting.
 */
export class RedisConnections {
  private command: Redis | undefined;
  private connecting: Promise<Redis> | undefined;
  private readonly open = new Set<Redis>();

  constructor(
    private readonly options: RedisTransportOptions,
    private readonly errors: TransportErrors,
    private readonly closed: () => boolean,
    /** Called once when Redis refused the credentials (already reported). */
    private readonly onRefused: (error: AuthenticationError) => void,
  ) {}

  /** The command connection if it is open, for background work that can skip a beat. */
  get current(): Redis | undefined {
    return this.command;
  }

  /** The command connection, opened on first use. */
  connect(): Promise<Redis> {
    if (this.closed()) return Promise.reject(new TransportClosedError());
    const refused = this.errors.authFailure;
    if (refused) return Promise.reject(refused);
    if (this.command) return Promise.resolve(this.command);
    this.connecting ??= (async () => {
      const options = this.connectionOptions();
      let client: Redis;
      if (this.options.client) {
        client = this.options.client(options);
      } else {
        const Redis = await loadIoredis();
        client = new Redis(options);
      }
      this.watch(client);
      if (this.closed()) {
        client.disconnect();
        throw new TransportClosedError();
      }
      this.command = client;
      return client;
    })();
    return this.connecting;
  }

  /** A connection of its own (blocking reads, pub/sub), never giving up on a command. */
  duplicate(command: Redis): Redis {
    const c = command.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null });
    this.watch(c);
    return c;
  }

  /** Disconnects `connection` (a reader that is done). */
  release(connection: Redis): void {
    connection.disconnect();
    this.open.delete(connection);
  }

  /** Disconnects every connection. */
  disconnectAll(): void {
    for (const c of this.open) c.disconnect();
  }

  /** Disconnects every connection and forgets them (the transport is closed). */
  close(): void {
    this.disconnectAll();
    this.open.clear();
    this.command = undefined;
  }

  private connectionOptions(): RedisOptions {
    const o = this.options;
    const fromUrl: RedisOptions = {};
    if (o.url) {
      const u = new URL(o.url);
      fromUrl.host = u.hostname || '127.0.0.1';
      if (u.port) fromUrl.port = Number(u.port);
      if (u.username) fromUrl.username = decodeURIComponent(u.username);
      if (u.password) fromUrl.password = decodeURIComponent(u.password);
      const db = u.pathname.replace('/', '');
      if (db) fromUrl.db = Number(db);
      if (u.protocol === 'rediss:') fromUrl.tls = {};
    }
    const tls = o.tls === true ? {} : o.tls === false ? undefined : o.tls;
    return {
      // No reconnection once Redis refused the credentials: retrying cannot fix them.
      retryStrategy: (times: number) =>
        this.errors.authFailure ? null : Math.min(50 * times, 1000),
      // Commands issued in the same tick (scores, acks, publishes) leave in one write.
      enableAutoPipelining: true,
      ...fromUrl,
      ...(o.host === undefined ? {} : { host: o.host }),
      ...(o.port === undefined ? {} : { port: o.port }),
      ...(o.db === undefined ? {} : { db: o.db }),
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(tls === undefined ? {} : { tls }),
      ...o.redisOptions,
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: o.maxRetriesPerRequest ?? 2,
    };
  }

  private watch(client: Redis): void {
    this.open.add(client);
    client.once('end', () => this.open.delete(client));
    client.on('error', (e: unknown) => {
      const failure = this.errors.toError(e, 'connect');
      if (!(failure instanceof AuthenticationError)) this.errors.report(failure);
      else if (this.errors.refuse(failure)) {
        this.disconnectAll();
        this.onRefused(failure);
      }
    });
  }
}
