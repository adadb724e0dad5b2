/**
 * The CPU cost per request of tracing a front end at 1 in 100 (parent-based ratio sampler) with
 * the Prometheus metrics, against the same memory stack without instrumentation (2 models,
 * c=64), as the observability-overhead scenario builds them; optionally with every request
 * sampled too. Variants alternate over several rounds; prints the median CPU µs per request of
 * each, its spread, and its extra over the bare stack. Not a scenario (no req/s, no report).
 *
 * Run: `node --import tsx bench/probes/otel-unsampled-cost.ts [--rounds 7] [--requests 20000]
 * [--all] [--only 1in100]`; with `--only <variant>` it runs that stack alone (for
 * `node --cpu-prof --import tsx ...`).
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { Instrumentation } from '@rendezvous-ml/core';
import { openTelemetry } from '@rendezvous-ml/opentelemetry';
import { RendezvousMetrics } from '@rendezvous-ml/prometheus';
import { Registry } from 'prom-client';
import { closedLoop } from '../lib/closed-loop.js';
import { type Stack, startStack } from '../lib/memory-stack.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const rounds = Number(arg('rounds', '7'));
const requests = Number(arg('requests', '20000'));
const only = arg('only', '');
const all = process.argv.includes('--all');

class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Variant {
  readonly name: string;
  readonly metrics: boolean;
  readonly sampler?: () => Sampler;
}

const ratio = (r: number) => () =>
  new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(r) });
const VARIANTS: readonly Variant[] = [
  { name: 'base', metrics: false },
  { name: 'metrics', metrics: true },
  { name: '1in100', metrics: true, sampler: ratio(0.01) },
  ...(all
    ? [
        { name: '1in10', metrics: true, sampler: ratio(0.1) },
        { name: 'always', metrics: true, sampler: () => new AlwaysOnSampler() },
      ]
    : []),
].filter((v) => only === '' || v.name === only);

async function build(v: Variant): Promise<{ stack: Stack; dispose: () => Promise<void> }> {
  const instruments: Instrumentation[] = [];
  let provider: BasicTracerProvider | undefined;
  if (v.sampler) {
    provider = new BasicTracerProvider({
      sampler: v.sampler(),
      spanProcessors: [new BatchSpanProcessor(new DroppingExporter())],
    });
    instruments.push(
      openTelemetry({ tracerProvider: provider, propagator: new W3CTraceContextPropagator() }),
    );
  }
  let metrics: RendezvousMetrics | undefined;
  if (v.metrics) {
    metrics = new RendezvousMetrics({ registry: new Registry() });
    instruments.push(metrics.instrumentation);
  }
  const stack = await startStack({
    models: 2,
    maxInFlight: 1_000,
    ...(instruments.length > 0
      ? { workerInstrumentation: instruments, frontEndInstrumentation: instruments }
      : {}),
  });
  if (metrics) {
    metrics.observeFrontEnd(stack.rendezvous);
    for (const w of stack.workers) metrics.observeWorker(w);
  }
  return {
    stack,
    dispose: async () => {
      await stack.close();
      await provider?.shutdown();
    },
  };
}

const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const built = [];
for (const v of VARIANTS) built.push({ v, ...(await build(v)), cpu: [] as number[] });
const input = { x: 1 };
const once = async (s: Stack): Promise<number> => {
  const c0 = cpu();
  const loop = await closedLoop(64, requests, () => s.rendezvous.request(input));
  return (cpu() - c0) / loop.requests;
};
for (const b of built) await once(b.stack); // warm-up
for (let r = 0; r < rounds; r++) for (const b of built) b.cpu.push(await once(b.stack));
const base = built[0]!.v.name === 'base' ? median(built[0]!.cpu) : Number.NaN;
for (const b of built) {
  const m = median(b.cpu);
  console.log(
    `${b.v.name.padEnd(8)} ${m.toFixed(1)} µs/request (${Math.min(...b.cpu).toFixed(1)}–${Math.max(...b.cpu).toFixed(1)})` +
      (Number.isNaN(base) ? '' : `  extra ${(m - base).toFixed(1)} µs (${(((m - base) / m) * 100).toFixed(1)}%)`),
  );
}
for (const b of built) await b.dispose();
