/**
 * The cross-process trace scenario, run on Redis and on Kafka: this process runs a front end
 * with its own tracer provider and calls it inside a span of its own; a child process (tsx, from
 * source) runs a ModelWorker with another provider and writes its finished spans to a file.
 * One trace must span both: caller → request (here) → prediction (there) → the model's own span.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { first, Rendezvous, type Transport } from '@rendezvous-ml/core';
import {
  RendezvousAttributes as A,
  openTelemetry,
  RendezvousSpans as S,
} from '@rendezvous-ml/opentelemetry';
import { startWorkerProcess, waitFor } from '@rendezvous-ml/test-kit';
import { expect } from 'vitest';
import type { TracedWorkerConfig } from './fixtures/traced-worker.js';
import { enableContext, inSpan, memoryTracing, type SpanRecord } from './span-records.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/traced-worker.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function readSpans(file: string): SpanRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SpanRecord);
}

export async function crossProcessTrace(options: {
  /** How the worker process connects (the same broker and prefix as `connect`). */
  readonly worker: TracedWorkerConfig['transport'];
  /** A transport for the front end in this process. */
  readonly connect: () => Transport;
  readonly deadlineMs: number;
  /** How long the worker process may take to start and join its group. */
  readonly startMs: number;
}): Promise<void> {
  enableContext();
  const dir = mkdtempSync(join(tmpdir(), 'rv-otel-'));
  const spansFile = join(dir, 'worker-spans.jsonl');
  writeFileSync(spansFile, '');
  const config: TracedWorkerConfig = {
    transport: options.worker,
    model: { name: 'echo', version: '1' },
    spansFile,
  };
  const child = startWorkerProcess(`${process.execPath} --import ${TSX} ${FIXTURE}`, {
    TSX_TSCONFIG_PATH: TSCONFIG,
    TRACED_WORKER: JSON.stringify(config),
  });
  const transport = options.connect();
  const tracing = memoryTracing('front-end');
  const rendezvous = new Rendezvous({
    transport,
    policy: first(),
    deadlineMs: options.deadlineMs,
    discoveryMs: 0,
    instrumentation: openTelemetry({
      tracer: tracing.tracer,
      propagator: new W3CTraceContextPropagator(),
    }),
  });
  let stopped = false;
  try {
    await rendezvous.start();
    await waitFor(
      () => {
        if (child.exited) throw new Error(`the worker process exited:\n${child.output()}`);
        return rendezvous.registry.live().some((m) => m.name === 'echo');
      },
      'the worker process to be live',
      options.startMs,
      50,
    );
    const result = await inSpan(tracing.tracer, 'caller', () => rendezvous.request({ x: 1 }));
    expect(result.chosen?.output).toEqual({ x: 1 });
    const isPrediction = (s: SpanRecord) =>
      s.name === S.PREDICTION && s.attributes[A.REQUEST_ID] === result.requestId;
    await waitFor(
      () => readSpans(spansFile).some(isPrediction),
      `the worker's prediction span in ${spansFile} (worker output:\n${child.output()})`,
      30_000,
      50,
    );
    const here = tracing.spans();
    const there = readSpans(spansFile);
    const caller = here.find((s) => s.name === 'caller')!;
    const request = here.find((s) => s.name === S.REQUEST)!;
    const prediction = there.find(isPrediction)!;
    const inference = there.find((s) => s.name === 'model.inference')!;
    expect(caller.parentSpanId).toBeUndefined();
    expect(request).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(prediction).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: request.spanId,
      kind: SpanKind.CONSUMER,
    });
    expect(inference).toMatchObject({ traceId: caller.traceId, parentSpanId: prediction.spanId });
    expect(prediction.attributes).toMatchObject({
      [A.MODEL_NAME]: 'echo',
      [A.MODEL_INSTANCE]: expect.stringMatching(/^echo-pid\d+$/),
      [A.PREDICTION_OUTCOME]: 'ok',
    });
    expect(request.attributes).toMatchObject({
      [A.CHOSEN_MODEL_INSTANCE]: prediction.attributes[A.MODEL_INSTANCE],
    });
  } finally {
    await rendezvous.stop();
    stopped = await child.kill('SIGTERM', 15_000);
    if (!stopped) await child.kill('SIGKILL', 5000);
    await transport.close();
    await tracing.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  if (!stopped) throw new Error(`the worker process did not stop on SIGTERM:\n${child.output()}`);
}
