import { ConfigurationError } from './errors.js';
import { first } from './policies/first.js';
import { latestVersion } from './policies/latest-version.js';
import { priority } from './policies/priority.js';
import { quorum } from './policies/quorum.js';
import { shadow } from './policies/shadow.js';
import { split } from './policies/split.js';
import { type Stage, staged } from './policies/staged.js';
import type { RendezvousPolicy } from './policy.js';
import type { Json } from './wire/json.js';

/**
 * A built-in policy and its options as plain JSON, so it can travel on the control channel and
 * be stored: every built-in policy except a `definePolicy` one. `quorum`'s `key` is a JSON
 * pointer into each output (`'/label'`): votes are counted on the value there (default: the
 * whole output). Model selectors are `'name'` or `'name@version'`, as in the builders.
 */
export type PolicySpec =
  | { readonly policy: 'first' }
  | { readonly policy: 'latestVersion' }
  | { readonly policy: 'priority'; readonly order?: readonly string[]; readonly only?: boolean }
  | { readonly policy: 'quorum'; readonly k: number; readonly key?: string }
  | {
      readonly policy: 'split';
      readonly weights: Readonly<Record<string, number>>;
      readonly fallback?: readonly string[];
      readonly only?: boolean;
    }
  | { readonly policy: 'staged'; readonly stages: readonly Stage[] }
  | { readonly policy: 'shadow'; readonly models: readonly string[]; readonly inner: PolicySpec };

/** Deepest nesting of `shadow` specs accepted (a guard against hostile input, not a design limit). */
const MAX_DEPTH = 16;

const KEYS: Readonly<Record<PolicySpec['policy'], readonly string[]>> = {
  first: [],
  latestVersion: [],
  priority: ['order', 'only'],
  quorum: ['k', 'key'],
  split: ['weights', 'fallback', 'only'],
  staged: ['stages'],
  shadow: ['models', 'inner'],
};
const KINDS = Object.keys(KEYS) as readonly PolicySpec['policy'][];

type Obj = Record<string, unknown>;

/** One RFC 6901 reference token: `~` → `~0`, `/` → `~1`. */
function token(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

function bad(path: string, message: string): never {
  throw new ConfigurationError(`invalid policy spec at ${path === '' ? '/' : path}: ${message}`);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function selectors(value: unknown, path: string, allowEmpty: boolean): readonly string[] {
  if (!Array.isArray(value)) bad(path, `expected an array of model selectors, got ${show(value)}`);
  if (!allowEmpty && value.length === 0)
    bad(path, 'list at least one model selector, e.g. ["dt@2"]');
  value.forEach((sel, i) => {
    if (typeof sel !== 'string' || sel === '')
      bad(`${path}/${i}`, `expected a model selector such as "dt" or "dt@2", got ${show(sel)}`);
  });
  return value as readonly string[];
}

function checkStages(value: unknown, path: string): void {
  if (!Array.isArray(value) || value.length === 0)
    bad(
      path,
      `expected a non-empty array of stages such as [{ "accept": ["dt"] }], got ${show(value)}`,
    );
  let previous = 0;
  value.forEach((stage: unknown, i) => {
    const at = `${path}/${i}`;
    if (!isObj(stage)) bad(at, `expected a stage object { untilMs?, accept }, got ${show(stage)}`);
    for (const key of Object.keys(stage))
      if (key !== 'untilMs' && key !== 'accept')
        bad(`${at}/${token(key)}`, 'unknown stage field: a stage has only untilMs and accept');
    selectors(stage.accept, `${at}/accept`, false);
    const until = stage.untilMs;
    if (until === undefined) {
      if (i !== value.length - 1)
        bad(`${at}/untilMs`, 'only the last stage may omit untilMs: give this window an end');
      return;
    }
    if (typeof until !== 'number' || !Number.isFinite(until) || until <= previous)
      bad(
        `${at}/untilMs`,
        `expected a finite number of ms greater than the previous stage's (${previous}), got ${show(until)}`,
      );
    previous = until;
  });
}

function checkWeights(value: unknown, path: string): void {
  if (!isObj(value)) bad(path, `expected an object of selector → weight, got ${show(value)}`);
  const entries = Object.entries(value);
  if (entries.length === 0) bad(path, 'give at least one weight, e.g. { "dt@1": 1 }');
  let total = 0;
  for (const [selector, w] of entries) {
    const at = `${path}/${token(selector)}`;
    if (selector === '') bad(at, 'a weight needs a model selector such as "dt@2" as its key');
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      bad(at, `expected a finite weight ≥ 0, got ${show(w)}`);
    total += w;
  }
  if (!(total > 0) || !Number.isFinite(total))
    bad(path, 'the weights must add up to a finite number greater than 0');
}

function checkSpec(value: unknown, path: string, depth: number): void {
  if (!isObj(value))
    bad(path, `expected a policy spec object such as { "policy": "first" }, got ${show(value)}`);
  const kind = value.policy;
  const known = KINDS.find((k) => k === kind);
  if (!known) bad(`${path}/policy`, `expected one of ${KINDS.join(', ')}, got ${show(kind)}`);
  const allowed = KEYS[known];
  for (const key of Object.keys(value)) {
    if (key !== 'policy' && !allowed.includes(key))
      bad(
        `${path}/${token(key)}`,
        `unknown field for "${known}"${allowed.length > 0 ? `: it takes ${allowed.join(', ')}` : ': it takes no options'}`,
      );
  }
  switch (known) {
    case 'priority':
      if (value.order !== undefined) selectors(value.order, `${path}/order`, true);
      if (value.only !== undefined && typeof value.only !== 'boolean')
        bad(`${path}/only`, `expected true or false, got ${show(value.only)}`);
      if (value.only === true && !(Array.isArray(value.order) && value.order.length > 0))
        bad(`${path}/only`, 'only: true needs an order listing the accepted models');
      return;
    case 'quorum':
      if (typeof value.k !== 'number' || !Number.isInteger(value.k) || value.k < 1)
        bad(
          `${path}/k`,
          `expected a positive integer (how many outputs must agree), got ${show(value.k)}`,
        );
      if (value.key !== undefined && (typeof value.key !== 'string' || !value.key.startsWith('/')))
        bad(
          `${path}/key`,
          `expected a JSON pointer into the output such as "/label", got ${show(value.key)}`,
        );
      return;
    case 'split':
      checkWeights(value.weights, `${path}/weights`);
      if (value.fallback !== undefined) selectors(value.fallback, `${path}/fallback`, true);
      if (value.only !== undefined && typeof value.only !== 'boolean')
        bad(`${path}/only`, `expected true or false, got ${show(value.only)}`);
      return;
    case 'staged':
      checkStages(value.stages, `${path}/stages`);
      return;
    case 'shadow':
      selectors(value.models, `${path}/models`, true);
      if (depth >= MAX_DEPTH) bad(`${path}/inner`, `shadow specs nest at most ${MAX_DEPTH} deep`);
      checkSpec(value.inner, `${path}/inner`, depth + 1);
      return;
    default:
      return;
  }
}

/**
 * Checks a whole policy spec, without building anything. Throws a `ConfigurationError` naming
 * the JSON pointer of the first problem and what to put there.
 *
 * @example
 * ```ts
 * validatePolicySpec({ policy: 'shadow', models: [], inner: { policy: 'split', weights: { 'dt@2': -1 } } });
 * // ConfigurationError: invalid policy spec at /inner/weights/dt@2: expected a finite weight ≥ 0, got -1
 * ```
 */
export function validatePolicySpec(spec: unknown): asserts spec is PolicySpec {
  checkSpec(spec, '', 0);
}

/**
 * Reads a policy spec as JSON: a deep copy (so a caller that changes its object afterwards
 * changes nothing that was built from it), validated whole. Throws a `ConfigurationError`
 * naming the JSON pointer of the first problem.
 *
 * @example
 * ```ts
 * const spec = readPolicySpec(JSON.parse(text)); // a PolicySpec of its own, or a ConfigurationError
 * ```
 */
export function readPolicySpec(spec: unknown): PolicySpec {
  // Checked as given first (depth-bounded, so a hostile nesting is refused by name, not by a
  // stack overflow in the copy), then the copy, which is what gets built.
  validatePolicySpec(spec);
  let copy: unknown;
  try {
    const text = JSON.stringify(spec);
    copy = text === undefined ? undefined : JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(
      `invalid policy spec at /: it must be plain JSON (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
  validatePolicySpec(copy);
  return copy;
}

/** Reads the value at a JSON pointer inside an output (`undefined` when absent). */
function at(output: Json, pointer: string): Json | undefined {
  let node: Json | undefined = output;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node)
      ? (node as readonly Json[])[Number(key)]
      : (node as { [k: string]: Json })[key];
  }
  return node;
}

function build(spec: PolicySpec): RendezvousPolicy {
  switch (spec.policy) {
    case 'first':
      return first();
    case 'latestVersion':
      return latestVersion();
    case 'priority':
      return priority({
        ...(spec.order === undefined ? {} : { order: spec.order }),
        ...(spec.only === undefined ? {} : { only: spec.only }),
      });
    case 'quorum': {
      const pointer = spec.key;
      if (pointer === undefined) return quorum(spec.k);
      return quorum(spec.k, { key: (output) => JSON.stringify(at(output, pointer)) ?? '' });
    }
    case 'split':
      return split(spec.weights, {
        ...(spec.fallback === undefined ? {} : { fallback: spec.fallback }),
        ...(spec.only === undefined ? {} : { only: spec.only }),
      });
    case 'staged':
      return staged(spec.stages);
    case 'shadow':
      return shadow(build(spec.inner), spec.models);
  }
}

/**
 * Builds a policy from its JSON spec. The spec is read as JSON (a copy: changing the object
 * afterwards changes nothing) and validated whole first ({@link validatePolicySpec}), so an invalid one throws a `ConfigurationError` naming the JSON
 * pointer (for example `/inner/weights/dt@2`) and nothing is built. The policy's `name` is the
 * one the matching builder gives (`split({...})` and `{ policy: 'split', ... }` have the same).
 *
 * @example
 * ```ts
 * const policy = policyFromSpec({ policy: 'priority', order: ['dt@2', 'dt'] });
 * policy.name; // 'priority(dt@2 > dt)'
 * rendezvous.setPolicy(policy, { version: 7 });
 * ```
 */
export function policyFromSpec(spec: unknown): RendezvousPolicy {
  return build(readPolicySpec(spec));
}
