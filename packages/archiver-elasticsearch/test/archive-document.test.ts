import type { ArchiveRecord } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import {
  archiveIndexByKind,
  archiveIndexTemplate,
  DEFAULT_ARCHIVE_INDICES,
  toArchiveDocument,
} from '../src/index.js';
import { irisRequest, irisResult, irisScore, T0 } from './iris-envelopes.js';

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

  it('flattens an answered result: decidedAt as timestamp, chosen model keywords and latency, decision, counts', () => {
    const result = irisResult('r1', 4, { name: 'dt', version: '1' }, 2, 6, {
      other: { name: 'lr', version: '0' },
      late: [{ name: 'lr', version: '0' }],
    });
    const doc = toArchiveDocument({
      kind: 'result',
      id: 'r1',
      requestId: 'r1',
      archivedAt: 9,
      result,
    });
    expect(doc).toEqual({
      kind: 'result',
      id: 'r1',
      requestId: 'r1',
      archivedAt: 9,
      timestamp: T0 + 4 + 6,
      input: result.input,
      status: 'answered',
      chosen: {
        model: { name: 'dt', version: '1', instance: 'dt-1-a' },
        latencyMs: 6,
        result: '2',
        resultNumber: 2,
      },
      decidedBy: { policy: 'latestVersion', reason: 'dt@1', trigger: 'score' },
      candidateCount: 2,
      lateCount: 1,
      startedAt: T0 + 4,
      decidedAt: T0 + 10,
      latencyMs: 6,
    });
  });

  it('flattens a failed result: status, error code, no chosen model', () => {
    const { chosen: _, ...answered } = irisResult('r2', 0, { name: 'dt', version: '1' }, 2, 6);
    const result = {
      ...answered,
      status: 'failed' as const,
      candidates: [],
      decidedBy: { policy: 'latestVersion', reason: 'no live model', trigger: 'deadline' as const },
      error: { code: 'DEADLINE_EXCEEDED', message: 'deadline exceeded: no live model' },
    };
    const doc = toArchiveDocument({
      kind: 'result',
      id: 'r2',
      requestId: 'r2',
      archivedAt: 9,
      result,
    });
    expect(doc).toMatchObject({
      status: 'failed',
      error: { code: 'DEADLINE_EXCEEDED' },
      decidedBy: { trigger: 'deadline' },
      candidateCount: 0,
      lateCount: 0,
    });
    expect(doc.chosen).toBeUndefined();
    expect(doc.ok).toBeUndefined();
  });
});

describe('toArchiveDocument of an operational event', () => {
  it('keeps the event whole (stored, not indexed) with its time as the timestamp', () => {
    const event = { source: 'rollout', type: 'advanced', at: T0 + 5, stage: 'canary 1%' };
    const doc = toArchiveDocument({
      kind: 'event',
      id: 'dt@2-1:3',
      requestId: 'dt@2-1',
      archivedAt: 9,
      event,
    });
    expect(doc).toEqual({
      kind: 'event',
      id: 'dt@2-1:3',
      requestId: 'dt@2-1',
      archivedAt: 9,
      timestamp: T0 + 5,
      event,
    });
    const props = archiveIndexTemplate('event-log').template.mappings.properties as Record<
      string,
      unknown
    >;
    expect(props.event).toEqual({ type: 'object', enabled: false });
  });
});

describe('index routing and mappings of results', () => {
  it('routes each kind to its default index, with overrides', () => {
    expect(DEFAULT_ARCHIVE_INDICES).toEqual({
      request: 'decoy-log',
      score: 'score-log',
      result: 'result-log',
      event: 'event-log',
    });
    const route = archiveIndexByKind({ score: 'scores-2025' });
    const record = { kind: 'result' } as ArchiveRecord;
    expect(typeof route === 'function' && route('result', record)).toBe('result-log');
    expect(typeof route === 'function' && route('score', record)).toBe('scores-2025');
  });

  it('maps the chosen model and the decision as keywords, the counts as integers', () => {
    const props = archiveIndexTemplate('result-log').template.mappings.properties as Record<
      string,
      { properties?: Record<string, { properties?: Record<string, unknown> }>; type?: string }
    >;
    expect(props.chosen?.properties?.model?.properties?.name).toEqual({ type: 'keyword' });
    expect(props.chosen?.properties?.latencyMs).toEqual({ type: 'double' });
    expect(props.decidedBy?.properties?.policy).toEqual({ type: 'keyword' });
    expect(props.status).toEqual({ type: 'keyword' });
    expect(props.candidateCount).toEqual({ type: 'integer' });
    expect(props.decidedAt).toEqual({ type: 'date' });
  });
});
