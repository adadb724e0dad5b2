import type { IncomingMessage, ServerResponse } from 'node:http';

interface Client {
  readonly res: ServerResponse;
  /** False while the socket's buffer is full: snapshots are skipped, not queued. */
  writable: boolean;
}

/**
 * The browsers connected to the server-sent events endpoint. Each gets every message while
 * its socket keeps up; a slow one misses messages (points of its charts) rather than growing a
 * buffer. A client that goes away is dropped without an
 * error; `closeAll()` ends every stream (for a server that is closing).
 *
 * @example
 * ```ts
 * const clients = new EventStreamClients(100);
 * clients.accept(req, res, JSON.stringify(snapshot));
 * clients.broadcast(JSON.stringify(next));
 * ```
 */
export class EventStreamClients {
  private readonly clients = new Set<Client>();
  private closed = false;

  constructor(private readonly maxClients: number) {}

  /** Clients connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Opens an event stream on `res` and sends `first`. Answers 503 past `maxClients` or once closed. */
  accept(req: IncomingMessage, res: ServerResponse, first: string): void {
    if (this.closed || this.clients.size >= this.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(this.closed ? 'dashboard stopped\n' : 'too many dashboard clients\n');
      return;
    }
    const client: Client = { res, writable: true };
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('close', drop);
    // A reset connection must not become an unhandled 'error' event.
    res.on('error', drop);
    res.on('drain', () => {
      client.writable = true;
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The browser reconnects by itself 2 s after a lost connection.
    this.write(client, `retry: 2000\n\n`);
    this.write(client, `data: ${first}\n\n`);
  }

  /** Sends one message (a JSON text, no newlines) to every client that keeps up. */
  broadcast(data: string): void {
    for (const client of this.clients) this.write(client, `data: ${data}\n\n`);
  }

  /** Ends every stream and refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const { res } of this.clients) res.end();
    this.clients.clear();
  }

  private write(client: Client, chunk: string): void {
    const { res } = client;
    if (!client.writable || res.writableEnded || res.destroyed) return;
    client.writable = res.write(chunk);
  }
}
