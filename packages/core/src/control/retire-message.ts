import { fail, num, object, parseJson, str, version } from '../envelope-fields.js';
import { WIRE_VERSION } from '../envelopes.js';
import { InvalidEnvelopeError } from '../errors.js';
import type { ModelRef } from '../model-ref.js';

/**
 * The control-channel message that retires a model version: every worker of `model`
 * (name@version) that listens on the control channel drains, as `worker.stop()` does. It is a
 * broadcast, not stored: only workers running when it is sent hear it.
 *
 * @example
 * ```ts
 * const message: RetireMessage = { v: 1, kind: 'retire', model: { name: 'dt', version: '1' }, ts: Date.now() };
 * ```
 */
export interface RetireMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'retire';
  readonly model: ModelRef;
  readonly ts: number;
}

/**
 * Writes a {@link RetireMessage} for `model`, to broadcast on the control channel.
 *
 * @example
 * ```ts
 * await transport.broadcast(DEFAULT_STREAMS.control, encodeRetireMessage({ name: 'dt', version: '1' }, Date.now()));
 * ```
 */
export function encodeRetireMessage(model: ModelRef, ts: number): string {
  const message: RetireMessage = {
    v: WIRE_VERSION,
    kind: 'retire',
    model: { name: model.name, version: model.version },
    ts,
  };
  return JSON.stringify(message);
}

/**
 * Reads a control-channel payload as a {@link RetireMessage}; returns an
 * {@link InvalidEnvelopeError} instead of throwing, for invalid JSON, a wrong field, or another
 * kind of control message (path `/kind`), which a worker simply ignores. Fields it does not know
 * are ignored (wire version 1 only adds optional fields).
 *
 * @example
 * ```ts
 * const message = decodeRetireMessage(incoming.payload);
 * if (!(message instanceof InvalidEnvelopeError)) console.log('retire', modelKey(message.model));
 * ```
 */
export function decodeRetireMessage(raw: string): RetireMessage | InvalidEnvelopeError {
  try {
    const o = object(parseJson(raw), '');
    version(o, '');
    if (o.kind !== 'retire') fail(`not a retire message (kind ${JSON.stringify(o.kind)})`, '/kind');
    const m = object(o.model, '/model');
    return {
      v: WIRE_VERSION,
      kind: 'retire',
      model: { name: str(m, 'name', '/model'), version: str(m, 'version', '/model') },
      ts: num(o, 'ts', ''),
    };
  } catch (error) {
    if (error instanceof InvalidEnvelopeError) return error;
    return new InvalidEnvelopeError(String(error), '');
  }
}
