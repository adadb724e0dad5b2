import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The envelopes that have a JSON Schema in `@rendezvous-ml/core/schemas`.
 */
export type WireKind = 'request' | 'score' | 'result' | 'heartbeat' | 'dead-letter';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const compiled = new Map<WireKind, ValidateFunction>();

function validator(kind: WireKind): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    const url = new URL(`../../core/schemas/${kind}.schema.json`, import.meta.url);
    v = ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
    compiled.set(kind, v);
  }
  return v;
}

/**
 * Checks one wire message against its JSON Schema. Returns `undefined` when it is valid, else
 * why not, with JSON pointers (`/model/version must be string`).
 *
 * @example
 * ```ts
 * const why = schemaErrors('heartbeat', message.payload);
 * if (why) console.log(`invalid heartbeat: ${why}`);
 * ```
 */
export function schemaErrors(kind: WireKind, payload: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return 'not valid JSON';
  }
  const validate = validator(kind);
  if (validate(value)) return undefined;
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
