import type { Decoded } from './decoded.js';
import { fail, guard, model, object, parseJson, version } from './fields.js';
import type { ModelIdentity } from './model-identity.js';
import { WIRE_VERSION } from './version.js';

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
 * Reads and validates a heartbeat. Never throws: an invalid message yields `ok: false`, like
 * the other decoders.
 *
 * @example
 * ```ts
 * const hb = decodeHeartbeat(message.payload);
 * if (hb.ok && hb.value.kind === 'alive') console.log(hb.value.model.name);
 * ```
 */
export function decodeHeartbeat(raw: string): Decoded<Heartbeat> {
  return guard(() => {
    const o = object(parseJson(raw), '');
    version(o, '');
    const ts = o.ts;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) fail('expected a finite number', '/ts');
    if (o.kind === 'probe') return { v: WIRE_VERSION, kind: 'probe', ts };
    if (o.kind !== 'alive' && o.kind !== 'leaving') fail('unknown kind', '/kind');
    const m = model(o.model, '/model');
    const intervalMs = o.intervalMs;
    if (typeof intervalMs !== 'number' || !(intervalMs > 0) || !Number.isFinite(intervalMs))
      fail('expected a positive finite number', '/intervalMs');
    return { v: WIRE_VERSION, kind: o.kind, model: m, intervalMs, ts };
  });
}

/**
 * The wire form of a heartbeat (the one place heartbeats are encoded).
 *
 * @example
 * ```ts
 * await transport.broadcast('heartbeats', encodeHeartbeat({ v: WIRE_VERSION, kind: 'probe', ts: 0 }));
 * ```
 */
export function encodeHeartbeat(heartbeat: Heartbeat): string {
  return JSON.stringify(heartbeat);
}
