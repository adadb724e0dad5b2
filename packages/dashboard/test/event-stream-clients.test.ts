import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventStreamClients } from '../src/event-stream-clients.js';

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EventStreamClients', () => {
  it('skips messages for a client that does not read, instead of buffering them all', async () => {
    const clients = new EventStreamClients(10);
    let res: ServerResponse | undefined;
    const server = createServer((req, response) => {
      res = response;
      clients.accept(req, response, '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    // A client that sends its request and then never reads a byte.
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET /events HTTP/1.1\r\nhost: x\r\n\r\n`);
    socket.pause();
    await until(() => clients.size === 1, 'connected');
    const message = JSON.stringify({ pad: 'x'.repeat(100_000) });
    for (let i = 0; i < 200; i++) {
      clients.broadcast(message);
      await new Promise((r) => setImmediate(r));
    }
    // 200 messages are 20 MB: held, they would all sit in the response's buffer.
    expect(res!.writableLength).toBeLessThan(3 * message.length);
    socket.destroy();
    await until(() => clients.size === 0, 'the client dropped');
    clients.closeAll();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
