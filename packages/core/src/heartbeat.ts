import type { ModelIdentity } from './envelopes.js';
import { WIRE_VERSION } from './envelopes.js';
import { InvalidEnvelopeError } from './errors.js';

/**
 * A message on the heartbeats channel.
 * - `alive`: a worker instance is serving (sent every `intervalMs`).
 * - `leaving`: a worker instance stops; stop waiting for it now.
 * - `probe`: a front end has started; workers answer with `alive` at once.
 *
 * @example
 * ```ts
 * const hb: Heartbeat = { v: 1, kind: 'alive', model: { name: 'dt', version: '1', instance: 'a' }, intervalMs: 1000, ts: 0 };
 * ```
 */
export type Heartbeat =
  | {
      readonly v: typeof WIRE_VERSION;
      readonly kind: 'alive' | 'leaving';
      readonly model: ModelIdentity;
      readonly intervalMs: number;
      readonly ts: number;
    }
  | { readonly v: typeof WIRE_VERSION; readonly kind: 'probe'; readonly ts: number };

/**
 * Reads a heartbeat; returns an {@link InvalidEnvelopeError} instead of throwing.
 *
 * @example
 * ```ts
 * const hb = decodeHeartbeat(message.payload);
 * if (!(hb instanceof InvalidEnvelopeError)) registry.observe(hb);
 * ```
 */
export function decodeHeartbeat(raw: string): Heartbeat | InvalidEnvelopeError {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch (cause) {
    return new InvalidEnvelopeError('heartbeat is not valid JSON', '', { cause });
  }
  if (typeof o !== 'object' || o === null)
    return new InvalidEnvelopeError('expected an object', '');
  const h = o as Record<string, unknown>;
  if (h.v !== WIRE_VERSION) return new InvalidEnvelopeError('unsupported wire version', '/v');
  if (typeof h.ts !== 'number' || !Number.isFinite(h.ts))
    return new InvalidEnvelopeError('expected a finite number', '/ts');
  if (h.kind === 'probe') return { v: WIRE_VERSION, kind: 'probe', ts: h.ts };
  if (h.kind !== 'alive' && h.kind !== 'leaving')
    return new InvalidEnvelopeError('unknown kind', '/kind');
  const m = h.model as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null)
    return new InvalidEnvelopeError('expected an object', '/model');
  for (const k of ['name', 'version', 'instance'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '')
      return new InvalidEnvelopeError('expected a non-empty string', `/model/${k}`);
  }
  if (typeof h.intervalMs !== 'number' || !(h.intervalMs > 0) || !Number.isFinite(h.intervalMs))
    return new InvalidEnvelopeError('expected a positive finite number', '/intervalMs');
  return {
    v: WIRE_VERSION,
    kind: h.kind,
    model: { name: m.name as string, version: m.version as string, instance: m.instance as string },
    intervalMs: h.intervalMs,
    ts: h.ts,
  };
}
