import {
  Archiver,
  ConnectionLostError,
  DEFAULT_STREAMS,
  type DeadLetterRecord,
  first,
  type OutgoingMessage,
  type ResultEnvelope,
} from '@rendezvous-ml/core';
import { decodeResult } from '@rendezvous-ml/core/wire';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { frontEndRig, RecordingSink, type Script, tapStream, track } from './harness.js';

/** Three requests: answered with a late score, answered with no late one, deadline exceeded. */
const SCRIPTS: readonly Script[] = [
  { 'a@1': { ms: 10 }, 'b@1': { ms: 30, out: 'B' } },
  { 'a@1': { ms: 5 }, 'b@1': { ms: 5 } },
  {},
];

describe('Rendezvous: publishResults', () => {
  it('publishes nothing to the results stream unless opted in', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1']);
    const published = await tapStream(b.transport, DEFAULT_STREAMS.results);
    const answers = SCRIPTS.map((s, i) => track(b.rendezvous.request(s, { id: `r${i}` })));
    await b.clock.advance(1000);
    expect(answers.map((a) => a.state)).toEqual(['resolved', 'resolved', 'rejected']);
    expect(b.results).toHaveLength(3);
    expect(published).toEqual([]);
    expect(b.rendezvous.stats()).toMatchObject({ resultsPublished: 0, resultPublishFailures: 0 });
    await b.close();
  });

  it('publishes one result envelope per request, keyed by request id, late scores included', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1'], { publishResults: true });
    const published = await tapStream(b.transport, DEFAULT_STREAMS.results);
    SCRIPTS.forEach((s, i) => void b.rendezvous.request(s, { id: `r${i}` }).catch(() => undefined));
    await b.clock.advance(1000);
    expect(published.map((d) => d.key)).toEqual(b.results.map((r) => r.requestId));
    expect(new Set(published.map((d) => d.key))).toEqual(new Set(['r0', 'r1', 'r2']));
    const decoded = published.map((d) => decodeResult(d.payload));
    // Each envelope is exactly what results$ emitted, with the wire version.
    expect(decoded).toEqual(b.results.map((r) => ({ ok: true, value: { v: 1, ...r } })));
    const byId = new Map(
      decoded.map((d) => [d.ok ? d.value.requestId : '', d.ok ? d.value : undefined]),
    );
    expect(byId.get('r0')).toMatchObject({
      status: 'answered',
      chosen: { model: { name: 'a', version: '1' } },
      late: [{ model: { name: 'b', version: '1' }, status: 'ok', output: 'B', latencyMs: 30 }],
      decidedBy: { policy: 'first', trigger: 'score' },
    });
    expect(byId.get('r1')?.late).toHaveLength(1);
    expect(byId.get('r2')).toMatchObject({
      status: 'failed',
      error: { code: 'DEADLINE_EXCEEDED' },
      candidates: [{ status: 'pending' }, { status: 'pending' }],
    });
    expect(b.rendezvous.stats()).toMatchObject({ resultsPublished: 3, resultPublishFailures: 0 });
    await b.close();
  });

  it('counts a result it cannot publish, after retries, and never affects the caller', async () => {
    const b = await frontEndRig(first(), ['a@1'], {
      publishResults: true,
      resultPublishRetry: { attempts: 3, initialDelayMs: 10 },
    });
    const publish = b.transport.publish.bind(b.transport);
    let attempts = 0;
    b.transport.publish = (stream: string, message: OutgoingMessage): Promise<void> => {
      if (stream !== DEFAULT_STREAMS.results) return publish(stream, message);
      attempts++;
      return Promise.reject(new ConnectionLostError('results stream is down'));
    };
    const answer = track(b.rendezvous.request({ 'a@1': { ms: 5 } }, { id: 'r' }), b.clock);
    await b.clock.advance(1000);
    expect(answer.state).toBe('resolved');
    expect(answer.at).toBe(5);
    expect(b.results).toHaveLength(1);
    expect(attempts).toBe(3);
    expect(b.rendezvous.stats()).toMatchObject({
      answered: 1,
      resultsPublished: 0,
      resultPublishFailures: 1,
    });
    await b.close();
  });

  it('close() waits for the result publishes in progress', async () => {
    const b = await frontEndRig(first(), ['a@1'], { publishResults: true });
    const publish = b.transport.publish.bind(b.transport);
    let release: (() => void) | undefined;
    b.transport.publish = async (stream: string, message: OutgoingMessage): Promise<void> => {
      if (stream === DEFAULT_STREAMS.results)
        await new Promise<void>((resolve) => (release = resolve));
      return publish(stream, message);
    };
    const published = await tapStream(b.transport, DEFAULT_STREAMS.results);
    void b.rendezvous.request({ 'a@1': { ms: 5 } }, { id: 'r' });
    await b.clock.advance(10);
    expect(release).toBeDefined();
    const closed = track(b.rendezvous.stop());
    await b.clock.advance(100);
    expect(closed.state).toBe('pending');
    release?.();
    await b.clock.advance(1);
    expect(closed.state).toBe('resolved');
    expect(published.map((d) => d.key)).toEqual(['r']);
    expect(b.completed.value).toBe(true);
  });
});

describe('Archiver: source results', () => {
  it('archives every published result once, as kind result with id = request id', async () => {
    const b = await frontEndRig(first(), ['a@1', 'b@1'], { publishResults: true });
    const sink = new RecordingSink();
    const archiver = new Archiver({
      transport: new MemoryTransport({ broker: b.broker }),
      source: 'results',
      sinks: [sink],
      clock: b.clock,
      batchSize: 100,
      flushIntervalMs: 50,
    });
    await archiver.start();
    SCRIPTS.forEach((s, i) => void b.rendezvous.request(s, { id: `r${i}` }).catch(() => undefined));
    await b.clock.advance(1100);
    expect(sink.records.map((r) => [r.kind, r.id, r.requestId])).toEqual(
      b.results.map((r) => ['result', r.requestId, r.requestId]),
    );
    const r0 = sink.records.find((r) => r.id === 'r0');
    expect(r0?.kind === 'result' && r0.result).toEqual({
      v: 1,
      ...b.results.find((r) => r.requestId === 'r0'),
    });
    expect(r0?.kind === 'result' && r0.result.late.map((c) => c.model.name)).toEqual(['b']);
    expect(archiver.stats()).toMatchObject({ archived: 3, deadLettered: 0, pending: 0 });
    await archiver.stop();
    await b.close();
  });

  it('dead-letters, counts and acknowledges invalid result envelopes; valid ones are archived', async () => {
    const b = await frontEndRig(first(), ['a@1'], { publishResults: true });
    const sink = new RecordingSink();
    const archiver = new Archiver({
      transport: new MemoryTransport({ broker: b.broker }),
      source: 'results',
      sinks: [sink],
      clock: b.clock,
      batchSize: 1,
    });
    await archiver.start();
    const dead = await tapStream(b.transport, DEFAULT_STREAMS.deadLetter);
    const valid: ResultEnvelope = {
      v: 1,
      requestId: 'x',
      input: null,
      status: 'answered',
      chosen: { model: { name: 'a', version: '1', instance: 'i' }, output: 1, latencyMs: 1 },
      candidates: [],
      late: [],
      decidedBy: { policy: 'first', reason: '', trigger: 'score' },
      startedAt: 0,
      decidedAt: 1,
      latencyMs: 1,
    };
    const { chosen: _chosen, ...noChosen } = valid;
    for (const payload of ['{oops', JSON.stringify({ ...valid, v: 2 }), JSON.stringify(noChosen)])
      await b.transport.publish(DEFAULT_STREAMS.results, { key: 'bad', payload });
    void b.rendezvous.request({ 'a@1': { ms: 5 } }, { id: 'good' });
    await b.clock.advance(100);
    expect(sink.records.map((r) => r.id)).toEqual(['good']);
    expect(archiver.stats()).toMatchObject({ archived: 1, deadLettered: 3, pending: 0 });
    const records = dead.map((d) => JSON.parse(d.payload) as DeadLetterRecord);
    expect(records.map((r) => [r.component, r.source, r.reason.code])).toEqual(
      Array.from({ length: 3 }, () => [
        'archiver archiver:results',
        DEFAULT_STREAMS.results,
        'INVALID_ENVELOPE',
      ]),
    );
    expect(records.map((r) => r.reason.message)).toEqual([
      'payload is not valid JSON',
      expect.stringContaining('/v'),
      expect.stringContaining('/chosen'),
    ]);
    await archiver.stop();
    await b.close();
  });

  it('reads a results stream under another name when told to', async () => {
    const b = await frontEndRig(first(), ['a@1'], {
      publishResults: true,
      streams: { results: 'iris-results' },
    });
    const sink = new RecordingSink();
    const archiver = new Archiver({
      transport: new MemoryTransport({ broker: b.broker }),
      source: 'results',
      resultsStream: 'iris-results',
      sinks: [sink],
      clock: b.clock,
      batchSize: 1,
    });
    await archiver.start();
    void b.rendezvous.request({ 'a@1': { ms: 5 } }, { id: 'r' });
    await b.clock.advance(100);
    expect(sink.records.map((r) => r.id)).toEqual(['r']);
    await archiver.stop();
    await b.close();
  });
});
