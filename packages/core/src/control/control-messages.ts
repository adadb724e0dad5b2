import type { ModelRef } from '../model-ref.js';
import type { PolicySpec } from '../policy-spec.js';
import type { Decoded } from '../wire/decoded.js';
import { fail, guard, num, object, parseJson, str, version } from '../wire/fields.js';
import { assertWireJson } from '../wire/json.js';
import { WIRE_VERSION } from '../wire/version.js';

/**
 * A controller's order: run `spec` from `version` on. A front end applies it only when `version`
 * is higher than the one it runs. A front end answering a `query` re-sends the one it runs.
 *
 * `decodeControlMessage` does not check `spec`: the whole spec is validated by `policyFromSpec`
 * when a front end applies it, and an invalid one is reported `rejected` with its version.
 */
export interface PolicyMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'policy';
  readonly version: number;
  readonly spec: PolicySpec;
  readonly ts: number;
}

/**
 * Asks every front end what it runs (sent by a front end or a controller that starts).
 * `instance`, when given, names the sender, so it can ignore its own question.
 */
export interface QueryMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'query';
  readonly instance?: string;
  readonly ts: number;
}

/**
 * A front end reports the policy it runs: on apply, on query, and periodically. `version` is
 * absent while it runs a policy that was never given a version.
 */
export interface AppliedMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'applied';
  readonly instance: string;
  readonly version?: number;
  readonly policy: string;
  readonly ts: number;
}

/**
 * A front end refused a `policy` message (its spec is invalid) and keeps running `policy`.
 */
export interface RejectedMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'rejected';
  readonly instance: string;
  readonly version: number;
  readonly reason: string;
  /** The policy the front end keeps running. */
  readonly policy?: string;
  readonly ts: number;
}

/**
 * The workers of `model` (one name@version) drain: they take no new request, finish and reply
 * to what they started, announce `leaving` and leave.
 */
export interface RetireMessage {
  readonly v: typeof WIRE_VERSION;
  readonly kind: 'retire';
  readonly model: ModelRef;
  readonly ts: number;
}

/**
 * A message on the control channel (a broadcast channel, `DEFAULT_STREAMS.control`). Readers
 * ignore kinds they do not know (see {@link decodeControlMessage}), so new kinds can be added
 * within wire version 1.
 *
 * @example
 * ```ts
 * transport.listen('control').subscribe((m) => {
 *   const d = decodeControlMessage(m.payload);
 *   if (d.ok && d.value?.kind === 'retire') console.log('retire', d.value.model);
 * });
 * ```
 */
export type ControlMessage =
  | PolicyMessage
  | QueryMessage
  | AppliedMessage
  | RejectedMessage
  | RetireMessage;

const KINDS = ['policy', 'query', 'applied', 'rejected', 'retire'] as const;

function versionNumber(o: Record<string, unknown>): number {
  const n = num(o, 'version', '');
  if (!Number.isInteger(n) || n < 0) fail('expected an integer ≥ 0', '/version');
  return n;
}

/**
 * Reads and validates a control message. Never throws: an invalid one yields `ok: false`
 * (with the JSON pointer of the problem); one of a kind this version does not know yields
 * `ok: true` with `value: undefined`, to be ignored.
 *
 * @example
 * ```ts
 * const d = decodeControlMessage(message.payload);
 * if (d.ok && d.value?.kind === 'retire' && modelKey(d.value.model) === 'dt@1') void worker.stop();
 * ```
 */
export function decodeControlMessage(raw: string): Decoded<ControlMessage | undefined> {
  return guard((): ControlMessage | undefined => {
    const o = object(parseJson(raw), '');
    version(o, '');
    const kind = KINDS.find((k) => k === o.kind);
    if (typeof o.kind !== 'string') fail('expected a string', '/kind');
    if (!kind) return undefined;
    const ts = num(o, 'ts', '');
    const v: typeof WIRE_VERSION = WIRE_VERSION;
    switch (kind) {
      case 'policy': {
        if (!('spec' in o)) fail('missing', '/spec');
        // Checked whole by policyFromSpec when applied, so that an invalid one is reported
        // `rejected` with its version rather than dropped here as an unreadable message.
        return { v, kind, version: versionNumber(o), spec: o.spec as PolicySpec, ts };
      }
      case 'query':
        return o.instance === undefined
          ? { v, kind, ts }
          : { v, kind, instance: str(o, 'instance', ''), ts };
      case 'applied': {
        const base = {
          v,
          kind,
          instance: str(o, 'instance', ''),
          policy: str(o, 'policy', ''),
          ts,
        };
        return o.version === undefined ? base : { ...base, version: versionNumber(o) };
      }
      case 'rejected': {
        const base = {
          v,
          kind,
          instance: str(o, 'instance', ''),
          version: versionNumber(o),
          reason: str(o, 'reason', '', true),
          ts,
        };
        return o.policy === undefined ? base : { ...base, policy: str(o, 'policy', '') };
      }
      case 'retire': {
        const m = object(o.model, '/model');
        return {
          v,
          kind,
          model: { name: str(m, 'name', '/model'), version: str(m, 'version', '/model') },
          ts,
        };
      }
    }
  });
}

/**
 * Serialises a control message, strictly (an `InvalidEnvelopeError` naming the JSON pointer
 * rather than anything that would read back different).
 *
 * @example
 * ```ts
 * await transport.broadcast('control', encodeControlMessage({ v: 1, kind: 'query', ts: clock.now() }));
 * ```
 */
export function encodeControlMessage(message: ControlMessage): string {
  assertWireJson(message, '');
  return JSON.stringify(message);
}
