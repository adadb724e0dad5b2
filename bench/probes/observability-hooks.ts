/**
 * The direct cost of the observability hooks for an unsampled request, in a tight loop:
 * `openTelemetry()` (W3C propagator, parent-based sampler that samples nothing) and the
 * Prometheus worker hooks, combined as the front end and the worker combine them. Prints µs
 * per call. Run: `node --import tsx bench/probes/observability-hooks.ts`. Not a scenario: a tight loop
 * is kinder to caches than the stack is, so it is a floor of the per-request cost.
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { combineInstrumentation } from '@rendezvous-ml/core';
import { openTelemetry } from '@rendezvous-ml/opentelemetry';
import { RendezvousMetrics } from '@rendezvous-ml/prometheus';
import { Registry } from 'prom-client';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) });
const provider = new BasicTracerProvider({ sampler });
const otel = openTelemetry({
  tracerProvider: provider,
  propagator: new W3CTraceContextPropagator(),
});
const metrics = new RendezvousMetrics({ registry: new Registry() });
const combined = combineInstrumentation([otel, metrics.instrumentation])!;
const model = { name: 'm0', version: '1', instance: 'w1' };
const N = 300_000;

function time(name: string, f: (i: number) => unknown): void {
  for (let i = 0; i < 20_000; i++) f(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f(i);
  const us = Number(process.hrtime.bigint() - t0) / N / 1000;
  console.log(`${name.padEnd(34)} ${us.toFixed(3)} µs`);
}

const metas: Record<string, string>[] = [];
time('front end: request hooks', (i) => {
  const hooks = combined.request({
    ...{ requestId: `fe-${i}`, frontEnd: 'fe', policy: 'priority', policyVersion: undefined },
    ...{ meta: {}, startedAt: i, deadline: i + 1000 },
  });
  if (metas.length < 1000) metas.push({ ...hooks!.meta! });
});
// As a worker gets them: parsed from JSON, a fresh string each.
const parsed = metas.map((m) => JSON.parse(JSON.stringify(m)) as Record<string, string>);
const predict = () => 1;
time('worker: prediction hooks', (i) => {
  const hooks = combined.prediction({
    ...{ requestId: 'r', model, meta: parsed[i % parsed.length]!, receivedAt: i, startedAt: i },
    deliveryCount: 1,
  })!;
  hooks.run!(predict, undefined);
  hooks.finished!({ outcome: 'ok', finishedAt: i + 1 });
});
time('context.with (for scale)', () => context.with(ROOT_CONTEXT, predict));
await provider.shutdown();
