import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { type IrisSystem, startIrisSystem } from '../src/iris-system.js';
import { IrisMetrics } from '../src/metrics.js';

/** Sends raw bytes and returns what the server wrote back before it closed the connection. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

function parse(answer: string): { status: number; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(head.split(' ')[1]);
  return { status, body: JSON.parse(body) };
}

describe('iris HTTP: requests the HTTP parser rejects', () => {
  let dir: string;
  let system: IrisSystem;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-client-errors-'));
    const config = readConfig({
      RENDEZVOUS_TRANSPORT: 'memory',
      PORT: '0',
      ARCHIVE_DIR: join(dir, 'archive'),
      MODELS_DIR: join(dir, 'models'),
      HEARTBEAT_MS: '200',
    });
    system = await startIrisSystem(config, pino({ level: 'silent' }), {
      metrics: new IrisMetrics({ defaultMetrics: false }),
    });
    url = await system.frontend.listen();
  });

  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, contentLength] of [
    ['a non-numeric Content-Length', 'abc'],
    ['a negative Content-Length', '-5'],
  ] as const) {
    it(`answers ${name} with 400 and the error body every other error has`, async () => {
      const body = '{"sepalLength":5.1,"sepalWidth":3.5,"petalLength":1.4,"petalWidth":0.2}';
      const answer = await rawExchange(
        url,
        `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n${body}`,
      );
      const { status, body: parsed } = parse(answer);
      expect(status).toBe(400);
      expect(parsed).toEqual({
        error: { code: 'BAD_CONTENT_LENGTH', message: expect.stringContaining('Content-Length') },
      });
    });
  }

  it('answers a malformed request line with 400 and the same error body', async () => {
    const answer = await rawExchange(url, 'NOT-HTTP\r\n\r\n');
    const { status, body } = parse(answer);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });
});
