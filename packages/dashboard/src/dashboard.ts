import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { DashboardCollector } from './dashboard-collector.js';
import type { DashboardOptions } from './dashboard-options.js';
import type { DashboardSnapshot } from './dashboard-snapshot.js';
import { EventStreamClients } from './event-stream-clients.js';
import { checkPrefix, serveDashboard } from './serve-dashboard.js';

/**
 * The part of a Fastify instance the dashboard's plugin uses (a `FastifyInstance` is one):
 * the plugin needs no dependency on Fastify.
 */
export interface FastifyInstanceLike {
  readonly prefix: string;
  get(
    path: string,
    handler: (
      request: { readonly raw: IncomingMessage },
      reply: { readonly raw: ServerResponse; hijack(): unknown },
    ) => void,
  ): unknown;
  addHook(name: 'preClose', hook: (done: (error?: Error) => void) => void): unknown;
}

/**
 * A live dashboard of one front end: a {@link DashboardCollector} taking a snapshot every
 * interval, and the HTTP side that serves the page, its assets (uPlot from node_modules: it
 * works offline) and a server-sent events stream of the snapshots — as a plain Node handler
 * ({@link Dashboard.handler}) or a Fastify plugin ({@link Dashboard.fastifyPlugin}). Create it
 * with {@link createDashboard}; `stop()` clears the timer and closes every event stream.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({ rendezvous, scorecard });
 * http.createServer(dashboard.handler('/dashboard')).listen(8080);
 * // later
 * await dashboard.stop();
 * ```
 */
export class Dashboard {
  readonly collector: DashboardCollector;
  private readonly events: EventStreamClients;
  private subscription: Subscription | undefined;
  private latestJson: { seq: number; json: string } | undefined;

  constructor(options: DashboardOptions) {
    this.collector = new DashboardCollector(options);
    this.events = new EventStreamClients(options.maxClients ?? 100);
  }

  /** Starts collecting and pushing snapshots. Idempotent. */
  start(): this {
    if (this.subscription) return this;
    this.collector.start();
    // Each browser got the whole history when it connected: from then on, only the new point.
    this.subscription = this.collector.snapshot$.subscribe((s) => {
      if (this.events.size > 0)
        this.events.broadcast(
          JSON.stringify({ ...s, history: undefined, point: s.history.at(-1) }),
        );
    });
    return this;
  }

  /** The latest snapshot. */
  snapshot(): DashboardSnapshot {
    return this.collector.snapshot();
  }

  /** Browsers connected to the event stream now. */
  get connections(): number {
    return this.events.size;
  }

  /**
   * A Node request handler serving the dashboard under `prefix` (default `''`, the root), and
   * answering 404 outside it.
   *
   * @example
   * ```ts
   * http.createServer(dashboard.handler('/dashboard')).listen(8080);
   * ```
   */
  handler(prefix = ''): (req: IncomingMessage, res: ServerResponse) => void {
    const routes = this.routes(checkPrefix(prefix));
    return (req, res) => {
      if (!serveDashboard(req, res, routes)) res.writeHead(404).end();
    };
  }

  /**
   * A Fastify plugin serving the dashboard under the prefix it is registered with. It ends the
   * event streams when the server closes (`preClose`), so `app.close()` does not wait for
   * browsers; stopping the dashboard is still the caller's.
   *
   * @example
   * ```ts
   * await app.register(dashboard.fastifyPlugin, { prefix: '/dashboard' });
   * ```
   */
  readonly fastifyPlugin = async (instance: FastifyInstanceLike): Promise<void> => {
    const routes = this.routes(checkPrefix(instance.prefix));
    const handle = (
      request: { readonly raw: IncomingMessage },
      reply: { readonly raw: ServerResponse; hijack(): unknown },
    ): void => {
      reply.hijack();
      if (!serveDashboard(request.raw, reply.raw, routes)) reply.raw.writeHead(404).end();
    };
    instance.get('/', handle);
    instance.get('/*', handle);
    instance.addHook('preClose', (done) => {
      this.events.closeAll();
      done();
    });
  };

  /** Stops the collector and ends every event stream. Idempotent. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.collector.stop();
    this.events.closeAll();
  }

  private routes(prefix: string) {
    return {
      prefix,
      events: this.events,
      snapshotJson: () => this.json(this.collector.snapshot()),
    };
  }

  /** One JSON text per snapshot, shared by every client. */
  private json(s: DashboardSnapshot): string {
    if (this.latestJson?.seq !== s.seq || s.seq === 0)
      this.latestJson = { seq: s.seq, json: JSON.stringify(s) };
    return this.latestJson.json;
  }
}
