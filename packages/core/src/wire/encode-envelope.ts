import { fail } from './fields.js';
import { assertWireJson } from './json.js';
import type { RequestEnvelope } from './request.js';
import type { ResultEnvelope } from './result-envelope.js';
import type { ScoreEnvelope } from './score.js';
import { sealJson } from './sealed.js';

type AnyEnvelope =
  | RequestEnvelope<unknown>
  | ScoreEnvelope<unknown>
  | ResultEnvelope<unknown, unknown>;

/** The payload fields an envelope cannot do without (an omitted one would read back as missing). */
function requirePayload(envelope: AnyEnvelope): void {
  const e = envelope as Partial<Record<'input' | 'output' | 'status' | 'ok', unknown>> & {
    chosen?: { output?: unknown };
  };
  const missing = (path: string): never =>
    fail('undefined is not JSON (a value is required here)', path);
  if ('replyTo' in envelope || 'status' in envelope) {
    if (e.input === undefined) missing('/input');
  }
  if (e.ok === true && e.output === undefined) missing('/output');
  if (e.status === 'answered' && e.chosen?.output === undefined) missing('/chosen/output');
}

/**
 * Serialises an envelope to its wire form, strictly: it throws an {@link InvalidEnvelopeError}
 * (with a JSON-pointer `path` such as `/input/features/2`) rather than write anything that
 * would read back different, such as `NaN`, a function, a `Date` or a cycle; see
 * {@link assertWireJson} for the rule. A request's `input`, an ok score's `output` and a
 * result's `input` are required.
 *
 * @example
 * ```ts
 * await transport.publish('requests', { key: req.id, payload: encodeEnvelope(req) });
 * ```
 */
export function encodeEnvelope(
  envelope: RequestEnvelope<unknown> | ScoreEnvelope<unknown> | ResultEnvelope<unknown, unknown>,
): string {
  requirePayload(envelope);
  // One check walk, then the native serialiser at full speed (a replacer would slow it down).
  assertWireJson(envelope, '');
  return JSON.stringify(envelope);
}

/**
 * The object form of {@link encodeEnvelope}, for a transport with `capabilities.envelopes`:
 * the same checks and errors, and instead of the text a frozen snapshot of what the text would
 * read back as (the caller's objects are not referenced). Send it with `envelopeMessage`.
 *
 * @example
 * ```ts
 * const sealed = sealEnvelope(req); // throws InvalidEnvelopeError where encodeEnvelope would
 * await transport.publish('requests', envelopeMessage(req.id, sealed));
 * ```
 */
export function sealEnvelope<
  E extends RequestEnvelope<unknown> | ScoreEnvelope<unknown> | ResultEnvelope<unknown, unknown>,
>(envelope: E): E {
  requirePayload(envelope);
  return sealJson(envelope);
}
