/**
 * The JSON Schemas shipped in `packages/core/schemas` and the TypeScript decoders must accept and
 * reject exactly the same messages: a foreign worker that validates against the schema is then
 * never dead-lettered by a Rendezvous reader, and vice versa. One corpus (hand-written edge
 * cases, plus fast-check mutations of valid envelopes) runs through both.
 */
import { readFileSync } from 'node:fs';
import {
  decodeHeartbeat,
  decodeRequest,
  decodeResult,
  decodeScore,
} from '@rendezvous-ml/core/wire';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDeadLetter } from '../src/wire/dead-letter.js';

type Kind = 'request' | 'score' | 'result' | 'heartbeat' | 'dead-letter';

const ajv = new Ajv2020({ strict: true, allErrors: false });
const schemas = Object.fromEntries(
  (['request', 'score', 'result', 'heartbeat', 'dead-letter'] as const).map((k) => [
    k,
    ajv.compile(
      JSON.parse(
        readFileSync(new URL(`../schemas/${k}.schema.json`, import.meta.url), 'utf8'),
      ) as object,
    ),
  ]),
) as Record<Kind, ReturnType<typeof ajv.compile>>;

const decoders: Record<Kind, (raw: string) => boolean> = {
  request: (raw) => decodeRequest(raw).ok,
  score: (raw) => decodeScore(raw).ok,
  result: (raw) => decodeResult(raw).ok,
  heartbeat: (raw) => decodeHeartbeat(raw).ok,
  'dead-letter': (raw) => decodeDeadLetter(raw).ok,
};

function schemaAccepts(kind: Kind, raw: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return false;
  }
  return schemas[kind](value) === true;
}

/** Both readers on one message; the failure message says who accepted what. */
function agree(kind: Kind, raw: string): { schema: boolean; decoder: boolean } {
  const verdict = { schema: schemaAccepts(kind, raw), decoder: decoders[kind](raw) };
  expect(
    verdict.schema,
    `${kind} ${raw}: schema ${verdict.schema}, decoder ${verdict.decoder}`,
  ).toBe(verdict.decoder);
  return verdict;
}

const model = { name: 'dt', version: '1', instance: 'dt-1-a' };
const valid: Record<Kind, readonly Record<string, unknown>[]> = {
  request: [
    { v: 1, id: 'r1', ts: 1, deadline: 2, replyTo: 'fe', input: { x: [1, 2] }, meta: { t: 'a' } },
    { v: 1, id: 'r1', ts: 1, deadline: 2, replyTo: 'rendezvous.__reply.fe', input: null },
    { v: 1, id: 'r1', ts: -1.5, deadline: 0, replyTo: 'x', input: 'text', meta: {}, extra: 1 },
  ],
  score: [
    {
      v: 1,
      requestId: 'r1',
      model,
      ok: true,
      output: 2,
      receivedAt: 1,
      startedAt: 1,
      finishedAt: 2,
    },
    {
      v: 1,
      requestId: 'r1',
      model,
      ok: true,
      output: null,
      receivedAt: 1,
      startedAt: 1,
      finishedAt: 2,
    },
    {
      v: 1,
      requestId: 'r1',
      model,
      ok: false,
      error: { code: 'PREDICT_FAILED', message: '' },
      receivedAt: 1,
      startedAt: 1,
      finishedAt: 2,
    },
  ],
  result: [
    {
      v: 1,
      requestId: 'r1',
      input: { x: 1 },
      status: 'answered',
      chosen: { model, output: 2, latencyMs: 3 },
      candidates: [
        { model, status: 'ok', output: 2, latencyMs: 3 },
        {
          model: { ...model, name: 'lr' },
          status: 'error',
          error: { code: 'E', message: 'm' },
          latencyMs: 1,
        },
        { model: { name: 'x', version: '2' }, status: 'pending' },
      ],
      late: [],
      decidedBy: { policy: 'first', reason: '', trigger: 'score' },
      startedAt: 0,
      decidedAt: 3,
      latencyMs: 3,
    },
    {
      v: 1,
      requestId: 'r1',
      input: null,
      status: 'failed',
      error: { code: 'DEADLINE_EXCEEDED', message: 'late' },
      candidates: [],
      late: [{ model, status: 'ok', output: 1, latencyMs: 9 }],
      decidedBy: { policy: 'priority', reason: 'r', trigger: 'deadline', policyVersion: 3 },
      startedAt: 0,
      decidedAt: 3,
      latencyMs: 3,
    },
  ],
  heartbeat: [
    { v: 1, kind: 'alive', model, intervalMs: 1000, ts: 5 },
    { v: 1, kind: 'leaving', model, intervalMs: 0.5, ts: 5 },
    { v: 1, kind: 'probe', ts: 5 },
  ],
  'dead-letter': [
    {
      v: 1,
      component: 'worker dt@1',
      source: 'requests',
      id: '1-0',
      reason: { code: 'INVALID_ENVELOPE', message: 'payload is not valid JSON' },
      payload: 'oops',
      at: 0,
    },
  ],
};

/** Hand-written invalid (and borderline) messages, raw text. */
const edgeCases: Record<Kind, readonly string[]> = {
  request: [
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe"}',
    '{"v":2,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}',
    '{"v":"1","id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}',
    '{"v":1,"id":"","ts":1,"deadline":2,"replyTo":"fe","input":1}',
    '{"v":1,"id":"r1","ts":"1","deadline":2,"replyTo":"fe","input":1}',
    '{"v":1,"id":"r1","ts":1,"deadline":1e400,"replyTo":"fe","input":1}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":{"a":[1,1e400]}}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":{"a":1}}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":null}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":[]}',
    '{"v":1.0,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}',
    '[1,2]',
    'null',
    '"text"',
    '{"v":1,',
    '',
  ],
  score: [
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":1,"instance":"a"},"ok":true,"output":1,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":true,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":true,"output":{"p":[1e400]},"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":false,"output":1,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":false,"error":{"code":"","message":"m"},"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":true,"output":1,"error":7,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":"true","output":1,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1"},"ok":true,"output":1,"receivedAt":1,"startedAt":1,"finishedAt":1}',
    '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},"ok":true,"output":1,"receivedAt":1,"startedAt":1}',
  ],
  result: [
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":0},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":7},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":-1},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":1.5},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":"3"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"answered","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score","policyVersion":null},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"failed","chosen":7,"error":{"code":"E","message":""},"candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"failed","error":{"code":"E","message":""},"candidates":[{"model":{"name":"a","version":"1"},"status":"ok","output":1,"latencyMs":1}],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"failed","error":{"code":"E","message":""},"candidates":[{"model":{"name":"a","version":"1"},"status":"unknown"}],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"failed","error":{"code":"E","message":""},"candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"timer"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
    '{"v":1,"requestId":"r1","input":1,"status":"done","candidates":[],"late":[],"decidedBy":{"policy":"p","reason":"","trigger":"score"},"startedAt":0,"decidedAt":1,"latencyMs":1}',
  ],
  heartbeat: [
    '{"v":1,"kind":"alive","model":{"name":"dt","version":"1","instance":"a"},"ts":1}',
    '{"v":1,"kind":"alive","model":{"name":"dt","version":1,"instance":"a"},"intervalMs":1000,"ts":1}',
    '{"v":1,"kind":"alive","model":{"name":"dt","version":"1","instance":"a"},"intervalMs":0,"ts":1}',
    '{"v":1,"kind":"probe","ts":1,"model":7,"intervalMs":-1}',
    '{"v":1,"kind":"probe"}',
    '{"v":1,"kind":"hello","ts":1}',
    '{"v":2,"kind":"probe","ts":1}',
    '[]',
  ],
  'dead-letter': [
    '{"v":1,"component":"","source":"s","id":"1","reason":{"code":"C","message":""},"payload":"","at":0}',
    '{"v":1,"component":"w","source":"s","id":"1","reason":{"code":"C"},"payload":"","at":0}',
    '{"v":1,"component":"w","source":"s","id":1,"reason":{"code":"C","message":""},"payload":"","at":0}',
    '{"v":1,"component":"w","source":"s","id":"1","reason":{"code":"C","message":""},"payload":{},"at":0}',
  ],
};

const kinds = Object.keys(valid) as Kind[];

/** A JSON value, including the overflowing number 1e400 (a finite-number check must refuse it). */
const jsonValue = (withOverflow: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    fc.json({ maxDepth: 2 }),
    fc.constantFrom('""', '"x"', '0', '-1', '1', '2', 'true', 'false', 'null', '[]', '{}'),
    ...(withOverflow ? [fc.constant('1e400')] : []),
  );

/** Replaces the value at `path` of `base` (JSON text `replacement`), deletes it, or adds a field. */
function mutate(
  base: Record<string, unknown>,
  path: readonly string[],
  op: 'replace' | 'delete' | 'add',
  replacement: string,
): string {
  const copy = structuredClone(base);
  let target: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) return JSON.stringify(copy);
    target = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  const marker = '"__REPLACED__"';
  if (op === 'delete') delete target[last];
  else if (op === 'add') target[`${last}_extra`] = '__REPLACED__';
  else target[last] = '__REPLACED__';
  return JSON.stringify(copy).replace(marker, replacement);
}

/** Every path to a field of `value` (objects and arrays), depth first. */
function paths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push([...prefix, k]);
    out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

describe('JSON Schemas and TypeScript decoders agree (wire version 1)', () => {
  for (const kind of kinds) {
    it(`${kind}: accept every valid example`, () => {
      for (const v of valid[kind])
        expect(agree(kind, JSON.stringify(v))).toEqual({ schema: true, decoder: true });
    });

    it(`${kind}: agree on hand-written edge cases, and reject the other kinds`, () => {
      for (const raw of edgeCases[kind]) agree(kind, raw);
      for (const other of kinds)
        if (other !== kind) for (const v of valid[other]) agree(kind, JSON.stringify(v));
    });

    it(`${kind}: agree on every mutation of a valid example (fast-check)`, () => {
      const withOverflow = true;
      const examples = valid[kind];
      const arb = fc.nat(examples.length - 1).chain((i) =>
        fc.record({
          base: fc.constant(examples[i]!),
          path: fc.constantFrom(...paths(examples[i]!)),
          op: fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
          replacement: jsonValue(withOverflow),
        }),
      );
      let rejected = 0;
      fc.assert(
        fc.property(arb, ({ base, path, op, replacement }) => {
          if (!agree(kind, mutate(base, path, op, replacement)).schema) rejected++;
        }),
        { numRuns: 600 },
      );
      // The generator must reach invalid messages too, or this test could not fail.
      expect(rejected).toBeGreaterThan(50);
    });
  }

  it('a heartbeat whose ts or intervalMs overflows to Infinity is refused by both', () => {
    for (const raw of [
      '{"v":1,"kind":"alive","model":{"name":"a","version":"1","instance":"i"},"intervalMs":1e400,"ts":1}',
      '{"v":1,"kind":"alive","model":{"name":"a","version":"1","instance":"i"},"intervalMs":1000,"ts":1e400}',
      '{"v":1,"kind":"probe","ts":1e400}',
    ]) {
      expect({ schema: schemaAccepts('heartbeat', raw), decoder: decoders.heartbeat(raw) }).toEqual(
        {
          schema: false,
          decoder: false,
        },
      );
    }
  });

  it('the schemas are the ones the package ships (files and exports)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      files: string[];
      exports: Record<string, unknown>;
    };
    expect(pkg.files).toContain('schemas');
    expect(pkg.exports['./schemas/*']).toBe('./schemas/*');
  });
});
