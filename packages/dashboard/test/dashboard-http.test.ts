import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '@rendezvous-ml/core';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard, type DashboardSnapshot } from '../src/index.js';
import { FakeFrontEnd } from './fake-front-end.js';

/** Polls `check` until it holds (real time, for sockets), failing after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An open event stream: the snapshots received so far, and whether the server ended it. */
function openStream(url: string) {
  const messages: DashboardSnapshot[] = [];
  const state = { ended: false, status: 0, res: undefined as IncomingMessage | undefined };
  const req = get(url, (res) => {
    state.status = res.statusCode ?? 0;
    state.res = res;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (event.startsWith('data: ')) messages.push(JSON.parse(event.slice(6)));
        end = buffer.indexOf('\n\n');
      }
    });
    res.on('end', () => (state.ended = true));
    res.on('error', () => {});
  });
  req.on('error', () => {});
  return { messages, state, destroy: () => req.destroy() };
}

async function fetchText(url: string, method = 'GET') {
  const response = await fetch(url, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
    headers: response.headers,
  };
}

describe('the dashboard over plain node:http', () => {
  let server: Server;
  let dashboard: Dashboard;
  let base: string;
  const clock = new VirtualClock(0);

  async function start(maxClients?: number) {
    dashboard = createDashboard({ rendezvous: new FakeFrontEnd(), clock, maxClients });
    server = createServer(dashboard.handler('/ops/dash'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    await dashboard.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('serves the page with a base under its prefix, its assets and uPlot, and nothing outside', async () => {
    await start();
    for (const path of ['/ops/dash', '/ops/dash/']) {
      const page = await fetchText(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(page.type).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<base href="/ops/dash/">');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const js = await fetchText(`${base}/ops/dash/assets/uPlot.iife.min.js`);
    expect(js.status).toBe(200);
    expect(js.type).toContain('javascript');
    expect(js.body).toContain('uPlot');
    expect((await fetchText(`${base}/ops/dash/assets/dashboard.js`)).body).toContain('EventSource');
    expect((await fetchText(`${base}/ops/dash/assets/dashboard-kit.js`)).body).toContain('uPlot');
    expect((await fetchText(`${base}/ops/dash/assets/uPlot.min.css`)).type).toContain('text/css');
    expect((await fetchText(`${base}/ops/dash/assets/../../../package.json`)).status).toBe(404);
    expect((await fetchText(`${base}/ops/dash/nothing`)).status).toBe(404);
    expect((await fetchText(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetchText(`${base}/ops/dash`, 'POST')).status).toBe(405);
    const head = await fetchText(`${base}/ops/dash/snapshot.json`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const snapshot = JSON.parse((await fetchText(`${base}/ops/dash/snapshot.json`)).body);
    expect(snapshot.frontEnd.instanceId).toBe('fe-test');
  });

  it('refuses a prefix with a trailing slash or odd characters', async () => {
    await start();
    expect(() => dashboard.handler('/dash/')).toThrow(/prefix/);
    expect(() => dashboard.handler('dash')).toThrow(/prefix/);
    expect(() => dashboard.handler('/a b')).toThrow(/prefix/);
  });

  it('pushes one snapshot per interval on the event stream, to each client', async () => {
    await start();
    const a = openStream(`${base}/ops/dash/events`);
    const b = openStream(`${base}/ops/dash/events`);
    await until(() => a.messages.length === 1 && b.messages.length === 1, 'the first snapshot');
    expect(a.state.res?.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(dashboard.connections).toBe(2);
    await clock.advance(1000);
    await clock.advance(1000);
    await until(() => a.messages.length === 3 && b.messages.length === 3, 'two more snapshots');
    expect(a.messages.map((m) => m.seq)).toEqual([0, 1, 2].map((n) => n + a.messages[0]!.seq));
    // The whole history once, then only the new point.
    expect(a.messages[0]!.history).toBeDefined();
    const [, second, third] = a.messages as (DashboardSnapshot & { point?: unknown })[];
    expect(second!.history).toBeUndefined();
    expect(third!.point).toEqual(dashboard.snapshot().history.at(-1));
    expect(third!.historyPoints).toBe(300);
  });

  it('drops a client that goes away without an error, and keeps serving the others', async () => {
    await start();
    const gone = openStream(`${base}/ops/dash/events`);
    const stays = openStream(`${base}/ops/dash/events`);
    await until(() => dashboard.connections === 2 && gone.messages.length === 1, 'two clients');
    gone.destroy();
    await until(() => dashboard.connections === 1, 'the client dropped');
    await clock.advance(1000);
    await until(() => stays.messages.length === 2, 'the next snapshot to the other');
  });

  it('answers 503 past maxClients', async () => {
    await start(1);
    const first = openStream(`${base}/ops/dash/events`);
    await until(() => first.messages.length === 1, 'the first client');
    const second = openStream(`${base}/ops/dash/events`);
    await until(() => second.state.status !== 0, 'an answer to the second');
    expect(second.state.status).toBe(503);
    expect(dashboard.connections).toBe(1);
  });

  it('on stop, ends every stream, clears its timer and refuses new streams', async () => {
    await start();
    const timersBefore = clock.pendingTimers;
    const s = openStream(`${base}/ops/dash/events`);
    await until(() => s.messages.length === 1, 'connected');
    await dashboard.stop();
    await until(() => s.state.ended, 'the stream ended by the server');
    expect(dashboard.connections).toBe(0);
    expect(clock.pendingTimers).toBe(timersBefore - 1);
    const late = openStream(`${base}/ops/dash/events`);
    await until(() => late.state.status !== 0, 'an answer');
    expect(late.state.status).toBe(503);
  });
});

describe('the dashboard as a Fastify plugin', () => {
  it('serves under the prefix it is registered with, and app.close() does not wait for open streams', async () => {
    const clock = new VirtualClock(0);
    const dashboard = createDashboard({ rendezvous: new FakeFrontEnd(), clock });
    const app = Fastify();
    app.get('/ping', async () => ({ ping: 'pong' }));
    await app.register(dashboard.fastifyPlugin, { prefix: '/dashboard' });
    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<base href="/dashboard/">');
    expect(
      (await app.inject({ method: 'GET', url: '/dashboard/assets/dashboard.css' })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/dashboard/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/ping' })).json()).toEqual({ ping: 'pong' });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const s = openStream(`${url}/dashboard/events`);
    await until(() => s.messages.length === 1, 'connected through Fastify');
    await clock.advance(1000);
    await until(() => s.messages.length === 2, 'a pushed snapshot');
    const closed = app.close();
    await until(() => s.state.ended, 'the stream ended on close');
    await closed;
    await dashboard.stop();
  });
});
