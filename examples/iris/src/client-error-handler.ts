import type { Socket } from 'node:net';

/** What Node's HTTP parser reports (`err.code`), mapped to the status and code we answer. */
const PARSER_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  HPE_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    message: 'the Content-Length header is not a valid length',
  },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    message: 'the Content-Length header conflicts with Transfer-Encoding',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'the request headers are too large',
  },
};

/**
 * Answers a request that Node's HTTP parser rejects before Fastify sees it (a bad
 * `Content-Length`, a malformed request line) with the same `{"error":{"code","message"}}` body
 * as every other error, instead of Fastify's default `{"error":"Bad Request",...}`.
 *
 * @example
 * ```ts
 * const app = Fastify({ clientErrorHandler: answerClientError });
 * ```
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const known = error.code ? PARSER_ERRORS[error.code] : undefined;
  const { status, code, message } = known ?? {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'the request is not valid HTTP/1.1',
  };
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
