import type { ArchiveRecord } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { toArchiveDocument } from '../src/index.js';
import { irisRequest, irisScore, T0 } from './iris-envelopes.js';

describe('toArchiveDocument', () => {
  it('flattens a request: timestamp from ts, features as an object, meta and deadline kept', () => {
    const request = irisRequest('r1', 0);
    const doc = toArchiveDocument({
      kind: 'request',
      id: 'r1',
      requestId: 'r1',
      archivedAt: 9,
      request,
    });
    expect(doc).toMatchObject({
      kind: 'request',
      id: 'r1',
      requestId: 'r1',
      timestamp: T0,
      deadline: T0 + 1000,
      input: request.input,
      meta: request.meta,
    });
    expect(doc.inputValue).toBeUndefined();
  });

  it('keeps a non-object input in inputValue, so it cannot clash with the input mapping', () => {
    const request = { ...irisRequest('r2', 0), input: [1, 2, 3] };
    const doc = toArchiveDocument({
      kind: 'request',
      id: 'r2',
      requestId: 'r2',
      archivedAt: 9,
      request,
    });
    expect(doc.input).toBeUndefined();
    expect(doc.inputValue).toEqual([1, 2, 3]);
  });

  it('flattens a score: model keywords, latency and queue time, scalar output as result', () => {
    const score = irisScore('r1', 0, { name: 'dt', version: '1' }, 2, 7);
    const record: ArchiveRecord = {
      kind: 'score',
      id: 'r1:dt@1',
      requestId: 'r1',
      archivedAt: 9,
      score,
    };
    expect(toArchiveDocument(record)).toMatchObject({
      timestamp: score.finishedAt,
      model: { name: 'dt', version: '1', instance: 'dt-1-a' },
      ok: true,
      output: 2,
      result: '2',
      resultNumber: 2,
      latencyMs: 7,
      queueMs: 1,
    });
  });

  it('keeps the error of a failed score and no result', () => {
    const base = irisScore('r1', 0, { name: 'dt', version: '1' }, 2, 7);
    const { output: _, ...rest } = base as typeof base & { output: number };
    const score = {
      ...rest,
      ok: false as const,
      error: { code: 'PREDICT_FAILED', message: 'boom' },
    };
    const doc = toArchiveDocument({
      kind: 'score',
      id: 'r1:dt@1',
      requestId: 'r1',
      archivedAt: 9,
      score,
    });
    expect(doc).toMatchObject({ ok: false, error: { code: 'PREDICT_FAILED' } });
    expect(doc.result).toBeUndefined();
    expect(doc.output).toBeUndefined();
  });
});
