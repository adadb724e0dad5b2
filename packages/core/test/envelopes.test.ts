import {
  InvalidEnvelopeError,
  type RequestEnvelope,
  type ResultEnvelope,
  type ScoreEnvelope,
} from '@rendezvous-ml/core';
import {
  decodeHeartbeat,
  decodeRequest,
  decodeResult,
  decodeScore,
  encodeEnvelope,
  WIRE_VERSION,
} from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';

const request: RequestEnvelope = {
  v: WIRE_VERSION,
  id: 'fe-1',
  ts: 100,
  deadline: 1100,
  replyTo: 'replies.fe',
  input: { x: [1, 2.5, null], s: 'é' },
  meta: { traceparent: '00-abc-def-01' },
};

const okScore: ScoreEnvelope = {
  v: WIRE_VERSION,
  requestId: 'fe-1',
  model: { name: 'dt', version: '1', instance: 'dt-1-a' },
  ok: true,
  output: { label: 2 },
  receivedAt: 101,
  startedAt: 102,
  finishedAt: 103,
};

const errScore: ScoreEnvelope = {
  v: WIRE_VERSION,
  requestId: 'fe-1',
  model: { name: 'dt', version: '1', instance: 'dt-1-a' },
  ok: false,
  error: { code: 'PREDICT_FAILED', message: '' },
  receivedAt: 101,
  startedAt: 102,
  finishedAt: 103,
};

const answered: ResultEnvelope = {
  v: WIRE_VERSION,
  requestId: 'fe-1',
  input: { x: 1 },
  status: 'answered',
  chosen: { model: okScore.model, output: { label: 2 }, latencyMs: 3 },
  candidates: [
    { model: okScore.model, status: 'ok', output: { label: 2 }, latencyMs: 3 },
    { model: { name: 'lr', version: '0' }, status: 'pending' },
  ],
  late: [
    {
      model: { name: 'lr', version: '0', instance: 'lr-a' },
      status: 'error',
      error: { code: 'PREDICT_FAILED', message: '' },
      latencyMs: 9,
    },
  ],
  decidedBy: { policy: 'first', reason: 'dt@1', trigger: 'score' },
  startedAt: 100,
  decidedAt: 103,
  latencyMs: 3,
};

const failed: ResultEnvelope = {
  v: WIRE_VERSION,
  requestId: 'fe-2',
  input: null,
  status: 'failed',
  candidates: [],
  late: [],
  decidedBy: { policy: 'first', reason: 'no live model', trigger: 'deadline' },
  startedAt: 100,
  decidedAt: 1100,
  latencyMs: 1000,
  error: { code: 'DEADLINE_EXCEEDED', message: 'deadline exceeded: no live model' },
};

const mutate = (base: object, patch: Record<string, unknown>): string =>
  JSON.stringify({ ...base, ...patch });

describe('envelopes: round trip', () => {
  it('decodes what it encodes: requests and both kinds of score', () => {
    expect(decodeRequest(encodeEnvelope(request))).toEqual({ ok: true, value: request });
    expect(decodeScore(encodeEnvelope(okScore))).toEqual({ ok: true, value: okScore });
    expect(decodeScore(encodeEnvelope(errScore))).toEqual({ ok: true, value: errScore });
  });

  it('decodes what it encodes: answered and failed results', () => {
    expect(decodeResult(encodeEnvelope(answered))).toEqual({ ok: true, value: answered });
    expect(decodeResult(encodeEnvelope(failed))).toEqual({ ok: true, value: failed });
  });

  it('accepts null as an input or output, and a missing meta as empty', () => {
    const { meta: _meta, ...noMeta } = request;
    const r = decodeRequest(JSON.stringify({ ...noMeta, input: null }));
    expect(r).toEqual({ ok: true, value: { ...request, input: null, meta: {} } });
    expect(decodeScore(mutate(okScore, { output: null }))).toMatchObject({
      ok: true,
      value: { output: null },
    });
  });

  it('drops unknown fields', () => {
    const r = decodeRequest(mutate(request, { extra: 1 }));
    expect(r.ok && 'extra' in r.value).toBe(false);
  });
});

describe('envelopes: invalid messages', () => {
  const requestCases: [string, string, string][] = [
    ['not JSON', '{"v":1,', ''],
    ['not an object', '[1,2]', ''],
    ['JSON null', 'null', ''],
    ['a wrong version', mutate(request, { v: 2 }), '/v'],
    ['no version', mutate(request, { v: undefined }), '/v'],
    ['a missing id', mutate(request, { id: undefined }), '/id'],
    ['an empty id', mutate(request, { id: '' }), '/id'],
    ['a numeric id', mutate(request, { id: 7 }), '/id'],
    ['a string deadline', mutate(request, { deadline: '1100' }), '/deadline'],
    ['a missing ts', mutate(request, { ts: undefined }), '/ts'],
    ['a missing replyTo', mutate(request, { replyTo: undefined }), '/replyTo'],
    ['a missing input', mutate(request, { input: undefined }), '/input'],
    ['meta that is not an object', mutate(request, { meta: 'x' }), '/meta'],
    ['a meta value that is not a string', mutate(request, { meta: { n: 1 } }), '/meta/n'],
  ];
  it.each(requestCases)(
    'decodeRequest rejects %s with InvalidEnvelopeError at %#',
    (_n, raw, path) => {
      const r = decodeRequest(raw);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toBeInstanceOf(InvalidEnvelopeError);
      expect(r.error.code).toBe('INVALID_ENVELOPE');
      expect(r.error.path).toBe(path);
      if (path) expect(r.error.message.startsWith(`${path}: `)).toBe(true);
    },
  );

  const scoreCases: [string, string, string][] = [
    ['not JSON', 'oops', ''],
    ['a wrong version', mutate(okScore, { v: 0 }), '/v'],
    ['a missing requestId', mutate(okScore, { requestId: undefined }), '/requestId'],
    ['a missing model', mutate(okScore, { model: undefined }), '/model'],
    [
      'a model without version',
      mutate(okScore, { model: { name: 'dt', instance: 'a' } }),
      '/model/version',
    ],
    [
      'a model with an empty instance',
      mutate(okScore, { model: { name: 'dt', version: '1', instance: '' } }),
      '/model/instance',
    ],
    ['a non-boolean ok', mutate(okScore, { ok: 'true' }), '/ok'],
    ['ok without output', mutate(okScore, { output: undefined }), '/output'],
    ['an error score without error', mutate(errScore, { error: undefined }), '/error'],
    ['an error without code', mutate(errScore, { error: { message: 'x' } }), '/error/code'],
    ['a string timestamp', mutate(okScore, { finishedAt: '103' }), '/finishedAt'],
    ['a missing startedAt', mutate(okScore, { startedAt: undefined }), '/startedAt'],
  ];
  it.each(scoreCases)('decodeScore rejects %s with InvalidEnvelopeError at %#', (_n, raw, path) => {
    const r = decodeScore(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(InvalidEnvelopeError);
    expect(r.error.path).toBe(path);
  });

  const resultCases: [string, string, string][] = [
    ['not JSON', '{', ''],
    ['a wrong version', mutate(answered, { v: 2 }), '/v'],
    ['a missing requestId', mutate(answered, { requestId: undefined }), '/requestId'],
    ['a missing input', mutate(answered, { input: undefined }), '/input'],
    ['an unknown status', mutate(answered, { status: 'maybe' }), '/status'],
    ['an answer without chosen', mutate(answered, { chosen: undefined }), '/chosen'],
    [
      'a chosen score without output',
      mutate(answered, { chosen: { model: okScore.model, latencyMs: 1 } }),
      '/chosen/output',
    ],
    [
      'a chosen model without instance',
      mutate(answered, {
        chosen: { model: { name: 'dt', version: '1' }, output: 1, latencyMs: 1 },
      }),
      '/chosen/model/instance',
    ],
    ['a failure without error', mutate(failed, { error: undefined }), '/error'],
    ['candidates that are not an array', mutate(answered, { candidates: {} }), '/candidates'],
    [
      'a candidate with an unknown status',
      mutate(answered, { candidates: [{ model: okScore.model, status: 'late' }] }),
      '/candidates/0/status',
    ],
    [
      'an ok candidate without latency',
      mutate(answered, { candidates: [{ model: okScore.model, status: 'ok', output: 1 }] }),
      '/candidates/0/latencyMs',
    ],
    [
      'a late error without code',
      mutate(answered, {
        late: [{ model: okScore.model, status: 'error', error: { message: 'x' }, latencyMs: 1 }],
      }),
      '/late/0/error/code',
    ],
    ['a missing late', mutate(answered, { late: undefined }), '/late'],
    [
      'an unknown trigger',
      mutate(answered, { decidedBy: { policy: 'first', reason: '', trigger: 'luck' } }),
      '/decidedBy/trigger',
    ],
    ['a string decidedAt', mutate(answered, { decidedAt: '103' }), '/decidedAt'],
  ];
  it.each(resultCases)(
    'decodeResult rejects %s with InvalidEnvelopeError at %#',
    (_n, raw, path) => {
      const r = decodeResult(raw);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toBeInstanceOf(InvalidEnvelopeError);
      expect(r.error.path).toBe(path);
    },
  );

  it('keeps the JSON parse error as the cause', () => {
    const r = decodeRequest('{');
    expect(!r.ok && r.error.cause).toBeInstanceOf(SyntaxError);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [undefined, null, 42, {}, '', '"x"', 'true', '{}', '[]', '1e999'];
    for (const raw of inputs) {
      expect(() => decodeRequest(raw as string)).not.toThrow();
      expect(() => decodeScore(raw as string)).not.toThrow();
      expect(() => decodeResult(raw as string)).not.toThrow();
      expect(decodeRequest(raw as string).ok).toBe(false);
      expect(decodeScore(raw as string).ok).toBe(false);
      expect(decodeResult(raw as string).ok).toBe(false);
    }
  });

  it('decodeHeartbeat returns an error instead of throwing, like the other decoders', () => {
    const bad = decodeHeartbeat('nope');
    expect(bad.ok || bad.error).toBeInstanceOf(InvalidEnvelopeError);
    expect(decodeHeartbeat(JSON.stringify({ v: 1, kind: 'alive', ts: 0 }))).toMatchObject({
      ok: false,
      error: { path: '/model' },
    });
    expect(decodeHeartbeat(JSON.stringify({ v: 1, kind: 'probe', ts: 5 }))).toEqual({
      ok: true,
      value: { v: 1, kind: 'probe', ts: 5 },
    });
  });
});

describe('payload numbers that overflow', () => {
  const request = (input: string) =>
    `{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":${input}}`;

  it('refuses an input whose literal parses to ±Infinity, with its path', () => {
    for (const [input, path] of [
      ['1e400', '/input'],
      ['-2E+999', '/input'],
      ['{"a":[1,3e308]}', '/input/a/1'],
      [`${'9'.repeat(400)}`, '/input'],
    ] as const) {
      const d = decodeRequest(request(input));
      expect(d.ok).toBe(false);
      if (!d.ok) {
        expect(d.error).toBeInstanceOf(InvalidEnvelopeError);
        expect(d.error.path).toBe(path);
      }
    }
  });

  it('accepts large finite numbers, underflow to 0 and exponent-like strings', () => {
    for (const input of ['1e308', '1e-400', '"1e400"', '{"e999":[0.5e100]}']) {
      const d = decodeRequest(request(input));
      expect(d.ok).toBe(true);
      if (d.ok) expect(d.value.input).toEqual(JSON.parse(input));
    }
  });

  it('refuses an overflowing score output and a result’s chosen or candidate output', () => {
    const score = decodeScore(
      '{"v":1,"requestId":"r1","model":{"name":"m","version":"1","instance":"i"},"receivedAt":1,"startedAt":1,"finishedAt":1,"ok":true,"output":[1e400]}',
    );
    expect(score.ok ? '' : score.error.path).toBe('/output/0');
    type Editable = {
      chosen: { output: unknown };
      candidates: { output?: unknown }[];
      input: unknown;
    };
    const overflowAt = (edit: (r: Editable) => void) => {
      const r = JSON.parse(encodeEnvelope(answered));
      edit(r);
      const d = decodeResult(JSON.stringify(r).replace('"__X__"', '1e400'));
      return d.ok ? 'accepted' : d.error.path;
    };
    expect(overflowAt((r) => (r.chosen.output = '__X__'))).toBe('/chosen/output');
    expect(overflowAt((r) => (r.candidates[0]!.output = '__X__'))).toBe('/candidates/0/output');
    expect(overflowAt((r) => (r.input = { x: '__X__' }))).toBe('/input/x');
  });
});
