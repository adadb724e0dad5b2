import {
  first,
  type Json,
  ModelWorker,
  Rendezvous,
  type RendezvousResult,
  type Transport,
} from '@rendezvous-ml/core';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import fc from 'fast-check';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What JSON text gave must hold with object envelopes: the same inputs are rejected with the
 * same error, each model sees what `JSON.parse` would have given it (its own copy, `-0` as `0`,
 * no `undefined` properties, plain prototypes), and nobody's mutation reaches anybody else.
 */

/** A structural description that tells apart what `toEqual` does not (-0, prototypes, frozen). */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : value;
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  const kind =
    proto === Array.prototype
      ? 'array'
      : proto === Object.prototype
        ? 'object'
        : proto === null
          ? 'null-proto'
          : 'other';
  const own = Reflect.ownKeys(value).map((k) => {
    const d = Object.getOwnPropertyDescriptor(value, k)!;
    return [String(k), d.enumerable, 'value' in d ? shape(d.value) : 'accessor'];
  });
  return { kind, frozen: Object.isFrozen(value), own };
}

interface Seen {
  /** Model a's input as it arrived (before a mutated it). */
  a?: unknown;
  /** Model b's input, described after both models ran. */
  b?: unknown;
}

/** One front end and two models on one memory transport, in object or in text mode. */
class Rig {
  readonly transport: Transport;
  readonly seen = new Map<string, Seen>();
  private readonly bInputs = new Map<string, unknown>();
  private readonly workers: ModelWorker[];
  readonly rendezvous: Rendezvous;

  constructor(envelopes: boolean) {
    this.transport = new MemoryTransport({ envelopes });
    const entry = (id: string): Seen => {
      const s = this.seen.get(id) ?? {};
      this.seen.set(id, s);
      return s;
    };
    this.workers = [
      new ModelWorker({
        transport: this.transport,
        model: { name: 'a', version: '1' },
        predict: (input: Json, ctx) => {
          entry(ctx.requestId).a = shape(input);
          mutate(input);
          return 'a';
        },
      }),
      new ModelWorker({
        transport: this.transport,
        model: { name: 'b', version: '1' },
        predict: (input: Json, ctx) => {
          this.bInputs.set(ctx.requestId, input);
          return input; // echoed: the caller's output is b's decoded score
        },
      }),
    ];
    this.rendezvous = new Rendezvous({
      transport: this.transport,
      policy: first(),
      discoveryMs: 20,
      deadlineMs: 5000,
    });
  }

  async start(): Promise<void> {
    for (const w of this.workers) await w.start();
    await this.rendezvous.start();
  }

  /** The outcome of one request: the error, or what each model and the caller saw. */
  async outcome(input: unknown, callerMutates = false): Promise<unknown> {
    const id = `r-${Math.random().toString(36).slice(2)}`;
    const closed = firstValueFrom(
      this.rendezvous.results$.pipe(filter((r: RendezvousResult) => r.requestId === id)),
    ).catch(() => undefined); // a rejected input is never published: no result

    let answer: Promise<RendezvousResult>;
    try {
      answer = this.rendezvous.request(input as Json, { id });
    } catch (error) {
      return { threw: String(error) };
    }
    if (callerMutates) mutate(input); // the caller changes its input once the call returned
    const settled = await answer.then(
      (r) => ({ ok: r }),
      (error: Error & { code?: string; cause?: { path?: string } }) => ({ error }),
    );
    if ('error' in settled) {
      const e = settled.error;
      return { error: e.name, code: e.code, message: e.message, path: e.cause?.path };
    }
    const result = (await closed)!;
    const seen = this.seen.get(id) ?? {};
    const b = shape(this.bInputs.get(id));
    this.seen.delete(id);
    this.bInputs.delete(id);
    const scores = [...result.candidates, ...result.late];
    const output = scores.find((c) => c.model.name === 'b' && c.status === 'ok');
    const echoed = output?.status === 'ok' ? output.output : 'b did not answer';
    return { a: seen.a, b, echoed: shape(echoed) };
  }

  async close(): Promise<void> {
    await this.rendezvous.stop();
    for (const w of this.workers) await w.stop();
    await this.transport.close();
  }
}

/** Changes a value in place, whatever it is (arrays and objects only; what refuses is left). */
function mutate(value: unknown): void {
  try {
    change(value);
  } catch {
    // a boxed string's indices, a typed array's length...: not writable, nothing changed
  }
}

function change(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    value.push('mutated');
    if (value.length > 1) value[0] = 'mutated';
    return;
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) record[k] = 'mutated';
  record.added = 'mutated';
}

class Point {
  constructor(readonly x: number) {}
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const protoKey = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown;
const sparse: unknown[] = [1];
sparse[2] = 3; // a hole at 1
const nullProto = Object.assign(Object.create(null) as object, { x: 1, y: [2] });
class Numbers extends Array<number> {}
const subclass = Numbers.from([1, 2]);
const deep = (() => {
  let v: unknown = 'leaf';
  for (let i = 0; i < 100; i++) v = { d: [v, -0] };
  return v;
})();

describe('memory transport: object envelopes keep what JSON gave', () => {
  const text = new Rig(false);
  const objects = new Rig(true);

  beforeAll(async () => {
    await Promise.all([text.start(), objects.start()]);
  });
  afterAll(async () => {
    await Promise.all([text.close(), objects.close()]);
  });

  it('advertises envelopes by default, and not with envelopes: false', () => {
    expect(new MemoryTransport().capabilities.envelopes).toBe(true);
    expect(text.transport.capabilities.envelopes).toBe(false);
  });

  it.each([
    ['NaN', { x: Number.NaN }],
    ['Infinity', [1, Number.POSITIVE_INFINITY]],
    ['undefined', undefined],
    ['an undefined element', [1, undefined]],
    ['a hole', sparse],
    ['a Date', { at: new Date(0) }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('s') }],
    ['a BigInt', { n: 1n }],
    ['a cycle', cyclic],
    ['a Map', new Map([[1, 2]])],
    ['a class instance', { p: new Point(1) }],
    ['a boxed number', [new Number(1)]],
  ])('rejects %s exactly as the text path does, publishing nothing', async (_, input) => {
    const published = (objects.transport as MemoryTransport).broker.stats().published;
    const got = await objects.outcome(input);
    expect(got).toEqual(await text.outcome(input));
    expect(got).toMatchObject({ error: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect((objects.transport as MemoryTransport).broker.stats().published).toBe(published);
  });

  it.each([
    ['-0', [-0, { z: -0 }]],
    ['undefined properties', { a: 1, b: undefined, c: { d: undefined } }],
    ['a null-prototype object', nullProto],
    ['an own __proto__ key', protoKey],
    ['an Array subclass', subclass],
    ['nesting deeper than the fast walk', deep],
    ['iris', { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }],
  ])('gives each model and the caller what JSON gave: %s', async (_, input) => {
    const got = await objects.outcome(input);
    expect(got).toEqual(await text.outcome(input));
    expect(got).toHaveProperty('echoed', shape(JSON.parse(JSON.stringify(input))));
  });

  it('a model changing its input changes neither the caller nor the other model', async () => {
    const input = { features: [5.1, 3.5], tag: 'x' };
    const got = (await objects.outcome(input, true)) as { a: unknown; b: unknown; echoed: unknown };
    const fresh = shape({ features: [5.1, 3.5], tag: 'x' });
    expect(got.a).toEqual(fresh); // a saw the original (the caller changed it after the call)
    expect(got.b).toEqual(fresh); // a mutated its copy; b's is untouched
    expect(got.echoed).toEqual(fresh); // and the caller's output is neither frozen nor shared
  });

  it('readers of payload on the requests stream get the same text in both modes', async () => {
    const texts: string[][] = [[], []];
    const rigs = [text, objects];
    const subs = await Promise.all(
      rigs.map(async (rig, i) => {
        await rig.transport.ensureGroup('requests', 'reader');
        return rig.transport
          .consume('requests', { group: 'reader', consumer: 'r' })
          .subscribe((d) => {
            texts[i]!.push(d.payload.replace(/"(id|ts|deadline|replyTo)":("[^"]*"|\d+)/g, ''));
            void d.ack();
          });
      }),
    );
    const input = { a: [-0, 1.5, 'é\u2028'], b: undefined, c: { '': null } };
    for (const rig of rigs) await rig.outcome(input);
    for (const s of subs) s.unsubscribe();
    expect(texts[1]).toEqual(texts[0]);
    expect(texts[0]).toHaveLength(1);
  });

  it('property: for any input, object mode and text mode give the same outcome', async () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toJSON', '0'));
    const input = fc.anything({
      key,
      maxDepth: 4,
      withNullPrototype: true,
      withSparseArray: true,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withBoxedValues: true,
      withTypedArray: true,
    });
    await fc.assert(
      fc.asyncProperty(fc.clone(input, 2), async ([one, two]) => {
        expect(await objects.outcome(one, true)).toEqual(await text.outcome(two, true));
      }),
      { numRuns: 150 },
    );
  });
});
