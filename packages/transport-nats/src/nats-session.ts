import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { AuthenticationError, ConnectionLostError } from '@rendezvous-ml/core';
import {
  CredentialRedactor,
  settleWithin,
  type TransportErrors,
} from '@rendezvous-ml/core/transport';
import { type Observable, Subject } from 'rxjs';
import { loadNats, type NatsModules } from './load-nats.js';
import type { NatsTransportOptions } from './nats-transport-options.js';

/** One open connection with its JetStream clients. */
export interface NatsLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly modules: NatsModules;
}

/** The secrets of `options`, to redact from every error text. */
export function secretsOf(options: NatsTransportOptions): string[] {
  const out = [options.pass, options.token].filter((s): s is string => !!s);
  const servers = options.servers === undefined ? [] : [options.servers].flat();
  for (const s of servers) out.push(...CredentialRedactor.urlSecrets(s));
  return out;
}

/**
 * The connection of a {@link NatsTransport}: opened on first use (a failed attempt is retried by
 * the next call), reconnecting for ever after that, its status changes reported as errors. The
 * `@nats-io` client buffers what is published while it reconnects, and JetStream calls time out
 * after `apiTimeoutMs`, so nothing hangs longer than that.
 */
export class NatsSession {
  private pending: Promise<NatsLink> | undefined;
  private link: NatsLink | undefined;
  private readonly reconnected = new Subject<void>();
  /** Emits each time the connection is back after a loss (the server may have restarted). */
  readonly reconnects: Observable<void> = this.reconnected.asObservable();

  constructor(
    private readonly options: NatsTransportOptions,
    private readonly apiTimeoutMs: number,
    private readonly errors: TransportErrors,
    private readonly closed: () => boolean,
  ) {}

  /** The open link, if any (for background work that must not connect). */
  get current(): NatsLink | undefined {
    return this.link;
  }

  /** The link, connecting first if needed. */
  connect(): Promise<NatsLink> {
    const refused = this.errors.authFailure;
    if (refused) return Promise.reject(refused);
    if (!this.pending) {
      this.pending = this.open().then(
        (link) => {
          this.link = link;
          return link;
        },
        (error: unknown) => {
          this.pending = undefined;
          const mapped = this.errors.toError(error, 'connect');
          if (mapped instanceof AuthenticationError) this.errors.refuse(mapped);
          throw mapped;
        },
      );
    }
    return this.pending;
  }

  /** Closes the connection (what is buffered is flushed first, within 2 s). */
  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    const link = await pending?.catch(() => undefined);
    this.link = undefined;
    this.reconnected.complete();
    if (!link) return;
    await settleWithin(link.nc.flush(), 2000);
    await link.nc.close().catch(() => undefined);
  }

  private async open(): Promise<NatsLink> {
    const modules = await loadNats();
    const { options } = this;
    const servers =
      options.servers === undefined ? ['nats://127.0.0.1:4222'] : [options.servers].flat();
    const connectionOptions: NodeConnectionOptions = {
      name: 'rendezvous',
      ...options.connectionOptions,
      servers,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      // A transport outlives any server restart: it reconnects for ever.
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.connectionOptions?.reconnectTimeWait ?? 250,
      waitOnFirstConnect: false,
    };
    const nc = await (options.connect ?? modules.node.connect)(connectionOptions);
    if (this.closed()) {
      await nc.close().catch(() => undefined);
      throw new ConnectionLostError('the transport closed while connecting');
    }
    void this.watch(nc);
    const js = modules.jetstream.jetstream(nc, { timeout: this.apiTimeoutMs });
    const jsm = await modules.jetstream.jetstreamManager(nc, { timeout: this.apiTimeoutMs });
    return { nc, js, jsm, modules };
  }

  /** Reports disconnects and asynchronous errors (a refused permission) on `errors$`. */
  private async watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect')
          this.errors.report(
            new ConnectionLostError(`nats connection lost to ${s.server}, reconnecting`),
          );
        else if (s.type === 'reconnect') this.reconnected.next();
        else if (s.type === 'error') this.errors.reportRaw(s.error, 'connection');
      }
    } catch (error) {
      this.errors.reportRaw(error, 'connection');
    }
  }
}
