import type { ActivePolicy } from './active-policy.js';
import type { CombinedInstrumentation } from './combine-instrumentation.js';
import { InvalidInputError } from './errors.js';
import type { RequestHooks } from './instrumentation.js';
import type { OutgoingMessage } from './transport.js';
import { encodeEnvelope, sealEnvelope } from './wire/encode-envelope.js';
import type { RequestEnvelope } from './wire/request.js';
import { envelopeMessage } from './wire/sealed.js';
import { WIRE_VERSION } from './wire/version.js';

/**
 * What a front end with `instrumentation` gives {@link buildRequest}: the hooks to start, and
 * what they are told of the request (the front end's name, the policy it starts with).
 */
export interface RequestInstrumentation {
  readonly instrumentation: CombinedInstrumentation;
  readonly frontEnd: string;
  activePolicy(): ActivePolicy;
}

/**
 * Builds a request's envelope and the message to publish (its text, or with `envelopes` its
 * sealed object and lazily its text), or the `InvalidInputError` to reject the call
 * with when the input cannot travel as JSON (nothing is published then). With `instrumented`,
 * it starts the request's hooks first and merges their `meta` entries (trace context) into the
 * envelope's, the caller's own entries winning; without, it builds no hook object at all.
 *
 * @example
 * ```ts
 * const built = buildRequest({ id: 'fe-1', now: 0, deadlineMs: 1000, replyTo: 'fe', input: { x: 1 }, meta: {} });
 * if (built instanceof InvalidInputError) throw built;
 * await transport.publish('requests', built.message);
 * ```
 */
export function buildRequest<I>(
  fields: {
    readonly id: string;
    readonly now: number;
    readonly deadlineMs: number;
    readonly replyTo: string;
    readonly input: I;
    readonly meta: Readonly<Record<string, string>>;
    /** The transport carries envelope objects (`capabilities.envelopes`): seal, do not encode. */
    readonly envelopes?: boolean;
  },
  instrumented?: RequestInstrumentation,
):
  | {
      readonly envelope: RequestEnvelope<I>;
      readonly message: OutgoingMessage;
      readonly hooks: RequestHooks | undefined;
    }
  | InvalidInputError {
  const { id, now, deadlineMs, replyTo, input } = fields;
  const deadline = now + deadlineMs;
  let meta = fields.meta;
  let hooks: RequestHooks | undefined;
  if (instrumented) {
    const { policy, version } = instrumented.activePolicy();
    // One literal, no spreads: this runs on every request.
    hooks = instrumented.instrumentation.request({
      requestId: id,
      frontEnd: instrumented.frontEnd,
      meta,
      policy: policy.name,
      policyVersion: version,
      startedAt: now,
      deadline,
    });
    const extra = hooks?.meta;
    if (extra) meta = mergeMeta(extra, meta);
  }
  const envelope: RequestEnvelope<I> = {
    v: WIRE_VERSION,
    id,
    ts: now,
    deadline,
    replyTo,
    input,
    meta,
  };
  try {
    const message: OutgoingMessage = fields.envelopes
      ? envelopeMessage(id, sealEnvelope(envelope))
      : { key: id, payload: encodeEnvelope(envelope) };
    return { envelope, message, hooks };
  } catch (cause) {
    hooks?.closed?.(undefined); // never published: no decision will come
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    return new InvalidInputError(`request input must be JSON-serialisable${why}`, { cause });
  }
}

/** The hooks' entries under the caller's (the caller's win); no copy when the caller has none. */
function mergeMeta(
  extra: Readonly<Record<string, string>>,
  caller: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  for (const _ in caller) return { ...extra, ...caller };
  return extra;
}
