/**
 * One error of a chain, as {@link errorChain} returns it: the fields clients put on their
 * errors (Node's `code`, kafkajs's `type` and `retriable`, HTTP clients' `status`).
 *
 * @example
 * ```ts
 * const refused = errorChain(e).some((link: ErrorLink) => link.code === 'ECONNREFUSED');
 * ```
 */
export interface ErrorLink {
  readonly name?: string;
  readonly message?: string;
  readonly code?: unknown;
  readonly type?: string;
  readonly status?: unknown;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: readonly unknown[];
}

/**
 * `error`, its causes (`cause`, kafkajs's `originalError`) and the parts of aggregate errors
 * (`errors`), outermost first, each once, at most 16. A client often wraps the error that says
 * what happened (a refused socket, a broker's answer) in one that says where.
 *
 * @example
 * ```ts
 * const types = errorChain(error).map((link) => link.type).filter(Boolean);
 * ```
 */
export function errorChain(error: unknown): ErrorLink[] {
  const out: ErrorLink[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 16) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as ErrorLink)) continue;
    const link = e as ErrorLink;
    out.push(link);
    queue.push(link.cause, link.originalError, ...(Array.isArray(link.errors) ? link.errors : []));
  }
  return out;
}
