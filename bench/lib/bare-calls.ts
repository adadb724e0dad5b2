/**
 * The request/reply bookkeeping of a bare client loop: each call sends a fresh id and resolves
 * when the reply carrying that id is answered; a reply for no waiting call is ignored.
 *
 * @example
 * ```ts
 * const calls = bareCalls((id) => client.call('XADD', requests, '*', 'p', id));
 * // in the reply loop: calls.answer(idOfTheReply);
 * return { call: calls.call, stop };
 * ```
 */
export function bareCalls(send: (id: string) => Promise<unknown>): {
  readonly call: () => Promise<void>;
  readonly answer: (id: string) => void;
} {
  const waiting = new Map<string, () => void>();
  let seq = 0;
  return {
    call: () => {
      const id = String(++seq);
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, resolve);
        send(id).catch(reject);
      });
    },
    answer: (id) => {
      const done = waiting.get(id);
      if (done) {
        waiting.delete(id);
        done();
      }
    },
  };
}
