import { connect } from 'node:net';

/**
 * Asks a text-protocol server on a loopback port whether it is up. Connects, sends `hello`
 * (when given), and hands everything read so far to `answer`, which says `true` (up), `false`
 * (not up) or `undefined` (read on) and may `send` more. No answer within 500 ms, or a
 * connection error, is `false`.
 *
 * @example
 * ```ts
 * const up = await textProbe(6379, { hello: 'PING\r\n', answer: (data) => data.startsWith('+PONG') });
 * ```
 */
export function textProbe(
  port: number,
  options: {
    readonly hello?: string;
    readonly answer: (data: string, send: (text: string) => void) => boolean | undefined;
  },
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const settle = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(500);
    const { hello } = options;
    if (hello !== undefined) socket.on('connect', () => socket.write(hello));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const up = options.answer(data, (text) => socket.write(text));
      if (up !== undefined) settle(up);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => settle(false));
  });
}
