/**
 * Field readers of the wire decoders in this folder: each checks one field and throws an
 * {@link InvalidEnvelopeError} with the field's JSON-pointer path; `guard` turns that into a
 * `Decoded` value, so the decoders never throw.
 */
import { InvalidEnvelopeError } from '../errors.js';
import type { Candidate, Decision } from '../result.js';
import type { Decoded } from './decoded.js';
import { assertWireJson, type Json } from './json.js';
import type { ModelIdentity } from './model-identity.js';
import type { ScoreError } from './score-error.js';
import { WIRE_VERSION } from './version.js';

type Obj = Record<string, unknown>;

export function fail(message: string, path: string): never {
  throw new InvalidEnvelopeError(message, path);
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new InvalidEnvelopeError('payload is not valid JSON', '', { cause });
  }
}

/**
 * Whether JSON text may hold a number literal that `JSON.parse` turns into ±Infinity (an
 * exponent of three digits or more, or 309 digits in a row). Only then are the payload fields
 * walked ({@link payload}): on ordinary text the check costs one regular-expression scan.
 */
export function mayOverflow(raw: string): boolean {
  return OVERFLOW.test(raw);
}
const OVERFLOW = /[eE]\+?\d{3}|\d{309}/;

/**
 * A payload field (a model's input or output: any JSON). When `deep` (the text
 * {@link mayOverflow}), it is checked like an outgoing value, so a literal such as `1e400`,
 * which would come back as `null` once re-encoded, is refused with its path, as the
 * envelope's own number fields are.
 */
export function payload(value: unknown, path: string, deep: boolean): Json {
  if (deep) assertWireJson(value, path);
  return value as Json;
}

export function object(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('expected an object', path);
  return value as Obj;
}

export function str(o: Obj, key: string, path: string, allowEmpty = false): string {
  const v = o[key];
  if (typeof v !== 'string') fail('expected a string', `${path}/${key}`);
  if (!allowEmpty && v.length === 0) fail('must not be empty', `${path}/${key}`);
  return v;
}

export function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail('expected a finite number', `${path}/${key}`);
  return v;
}

export function version(o: Obj, path: string): void {
  if (o.v !== WIRE_VERSION)
    fail(`unsupported wire version ${JSON.stringify(o.v)} (expected ${WIRE_VERSION})`, `${path}/v`);
}

export function model(value: unknown, path: string): ModelIdentity {
  const o = object(value, path);
  return {
    name: str(o, 'name', path),
    version: str(o, 'version', path),
    instance: str(o, 'instance', path),
  };
}

export function array(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail('expected an array', path);
  return value;
}

function modelRef(value: unknown, path: string): { name: string; version: string } {
  const o = object(value, path);
  return { name: str(o, 'name', path), version: str(o, 'version', path) };
}

export function scoreError(value: unknown, path: string): ScoreError {
  const e = object(value, path);
  return { code: str(e, 'code', path), message: str(e, 'message', path, true) };
}

export function candidate(value: unknown, path: string, deep = false): Candidate {
  const o = object(value, path);
  if (o.status === 'pending')
    return { model: modelRef(o.model, `${path}/model`), status: 'pending' };
  const m = model(o.model, `${path}/model`);
  if (o.status === 'ok') {
    if (!('output' in o)) fail('missing', `${path}/output`);
    return {
      model: m,
      status: 'ok',
      output: payload(o.output, `${path}/output`, deep),
      latencyMs: num(o, 'latencyMs', path),
    };
  }
  if (o.status === 'error') {
    return {
      model: m,
      status: 'error',
      error: scoreError(o.error, `${path}/error`),
      latencyMs: num(o, 'latencyMs', path),
    };
  }
  return fail('expected "ok", "error" or "pending"', `${path}/status`);
}

const TRIGGERS: readonly Decision['trigger'][] = [
  'score',
  'wake',
  'deadline',
  'registry',
  'publish-failed',
];

export function decision(value: unknown, path: string): Decision {
  const o = object(value, path);
  const trigger = TRIGGERS.find((t) => t === o.trigger);
  if (!trigger) fail(`expected one of ${TRIGGERS.join(', ')}`, `${path}/trigger`);
  const decided = { policy: str(o, 'policy', path), reason: str(o, 'reason', path, true), trigger };
  // Optional (added within wire version 1): records written before it decode without it.
  if (o.policyVersion === undefined) return decided;
  const policyVersion = num(o, 'policyVersion', path);
  if (!Number.isInteger(policyVersion) || policyVersion < 0)
    fail('expected an integer ≥ 0', `${path}/policyVersion`);
  return { ...decided, policyVersion };
}

export function meta(value: unknown, path: string): Record<string, string> {
  if (value === undefined) return {};
  const o = object(value, path);
  for (const [k, v] of Object.entries(o))
    if (typeof v !== 'string') fail('expected a string', `${path}/${k}`);
  return o as Record<string, string>;
}

export function guard<T>(read: () => T): Decoded<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (error instanceof InvalidEnvelopeError) return { ok: false, error };
    return {
      ok: false,
      error: new InvalidEnvelopeError('unreadable envelope', '', { cause: error }),
    };
  }
}
