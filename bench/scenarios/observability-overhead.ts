import { context, ROOT_CONTEXT } from '@opentelemetry/api';
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
import { closedLoop, type LoopResult, medianOfRuns } from '../lib/closed-loop.js';
import { toMeasurement } from '../lib/measurement.js';
import { type Stack, startStack } from '../lib/memory-stack.js';
import type { Measurement, Scenario } from '../lib/types.js';

/** An exporter that counts spans and drops them: the cost measured is the SDK's, not an export's. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One instrumented stack of the scenario (also built by `bench/probes/otel-unsampled-cost.ts`). */
export interface Variant {
  readonly name: string;
  readonly metrics: boolean;
  /** Tracing with this sampler (the OpenTelemetry SDK, batch processor, async context). */
  readonly sampler?: Sampler;
}

const VARIANTS: readonly Variant[] = [
  { name: 'Prometheus metrics', metrics: true },
  { name: 'tracing, every request sampled', metrics: false, sampler: new AlwaysOnSampler() },
  {
    name: 'tracing 1 in 100 sampled + metrics',
    metrics: true,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
  },
  {
    name: 'tracing 1 in 10 sampled + metrics',
    metrics: true,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
  },
  {
    name: 'tracing, every request sampled + metrics',
    metrics: true,
    sampler: new AlwaysOnSampler(),
  },
];

/** A running variant and what disposes of it. */
export interface Built {
  readonly variant: Variant;
  readonly stack: Stack;
  readonly registry: Registry | undefined;
  readonly exporter: CountingExporter | undefined;
  readonly dispose: () => Promise<void>;
}

/** Starts the memory stack (2 models) with `variant`'s instrumentation on the front end and workers. */
export async function build(variant: Variant): Promise<Built> {
  const instruments: Instrumentation[] = [];
  let registry: Registry | undefined;
  let metrics: RendezvousMetrics | undefined;
  let exporter: CountingExporter | undefined;
  let provider: BasicTracerProvider | undefined;
  if (variant.sampler) {
    exporter = new CountingExporter();
    provider = new BasicTracerProvider({
      sampler: variant.sampler,
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    const propagator = new W3CTraceContextPropagator();
    instruments.push(openTelemetry({ tracerProvider: provider, propagator }));
  }
  if (variant.metrics) {
    registry = new Registry();
    metrics = new RendezvousMetrics({ registry });
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
    variant,
    stack,
    registry,
    exporter,
    dispose: async () => {
      await stack.close();
      await provider?.shutdown();
    },
  };
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * The cost of observability on the memory scenario's front end (2 models, priority, c=64):
 * without instrumentation, with `@rendezvous-ml/prometheus`, with `@rendezvous-ml/opentelemetry`
 * (OpenTelemetry SDK, batch span processor, async-hooks context, W3C propagation through `meta`,
 * every request sampled, 1 in 10 or 1 in 100), and both; and the bare stack once more with the
 * context manager switched off (what its AsyncLocalStorage promise hooks cost a process that
 * traces nothing). Every stack lives side by side and their runs alternate (the load of a shared
 * machine drifts; the ratio is fair between neighbouring runs). Reports medians of req/s and of
 * CPU µs per request (the steadier figure) with their spread over the runs, and the time one
 * scrape takes. Target: with tracing and metrics on, at most 10% less throughput.
 */
export const observabilityOverhead: Scenario = async ({ quick }) => {
  const runs = quick ? 3 : 5;
  const concurrency = 64;
  const requests = quick ? 10_000 : 100_000;
  const input = { x: 1 };
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const plain = await startStack({ models: 2, maxInFlight: 1_000 });
  const built: Built[] = [];
  try {
    for (const v of VARIANTS) built.push(await build(v));
    const once = async (s: Stack): Promise<{ loop: LoopResult; cpuUs: number }> => {
      const c0 = cpuUs();
      const loop = await closedLoop(concurrency, requests, () => s.rendezvous.request(input));
      return { loop, cpuUs: (cpuUs() - c0) / loop.requests };
    };
    // Row 0 is the bare stack with the context manager's AsyncLocalStorage switched off (no
    // promise hooks in the process: a service without tracing); every other row runs with it on,
    // as in a traced service (the floor included: the hooks are the SDK's, not this package's).
    const stacks = [plain, plain, ...built.map((b) => b.stack)];
    const setContextManager = (on: boolean) => {
      if (on)
        context.with(ROOT_CONTEXT, () => undefined); // AsyncLocalStorage.run enables it
      else contextManager.disable();
    };
    for (const [j, s] of stacks.entries()) {
      setContextManager(j !== 0);
      await once(s); // warm-up
    }
    const results = stacks.map(() => ({ loops: [] as LoopResult[], cpu: [] as number[] }));
    for (let i = 0; i < runs; i++)
      for (const [j, s] of stacks.entries()) {
        setContextManager(j !== 0);
        const r = await once(s);
        results[j]!.loops.push(r.loop);
        results[j]!.cpu.push(r.cpuUs);
      }
    const medianCpu = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const spread = (xs: readonly number[]) =>
      `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
    const noHooks = medianOfRuns(results[0]!.loops);
    const noHooksCpu = medianCpu(results[0]!.cpu);
    const bare = medianOfRuns(results[1]!.loops);
    const bareCpu = medianCpu(results[1]!.cpu);
    const out: Measurement[] = [
      toMeasurement(
        'observability-overhead',
        `front end without instrumentation c=${concurrency}`,
        true,
        concurrency,
        bare,
        {
          cpuUsPerRequest: Number(bareCpu.toFixed(2)),
          cpuUsSpread: spread(results[1]!.cpu),
          rpsSpread: spread(results[1]!.loops.map((l) => l.rps)),
        },
      ),
      toMeasurement(
        'observability-overhead',
        `front end without instrumentation, no context manager c=${concurrency}`,
        false,
        concurrency,
        noHooks,
        {
          throughputRatio: Number((noHooks.rps / bare.rps).toFixed(4)),
          cpuUsPerRequest: Number(noHooksCpu.toFixed(2)),
          extraCpuUsPerRequest: Number((noHooksCpu - bareCpu).toFixed(2)),
          cpuUsSpread: spread(results[0]!.cpu),
          rpsSpread: spread(results[0]!.loops.map((l) => l.rps)),
        },
      ),
    ];
    for (const [j, b] of built.entries()) {
      const m = medianOfRuns(results[j + 2]!.loops);
      const cpu = medianCpu(results[j + 2]!.cpu);
      const ratio = m.rps / bare.rps;
      const extra: Record<string, number | string> = {
        throughputRatio: Number(ratio.toFixed(4)),
        throughputDropPct: Number(((1 - ratio) * 100).toFixed(2)),
        cpuUsPerRequest: Number(cpu.toFixed(2)),
        extraCpuUsPerRequest: Number((cpu - bareCpu).toFixed(2)),
        cpuUsSpread: spread(results[j + 2]!.cpu),
        rpsSpread: spread(results[j + 2]!.loops.map((l) => l.rps)),
        dropVsNoContextManagerPct: Number(((1 - m.rps / noHooks.rps) * 100).toFixed(2)),
        tracing: b.variant.sampler ? b.variant.sampler.toString() : 'off',
        metrics: b.variant.metrics ? 'on' : 'off',
      };
      if (b.registry) {
        const t0 = process.hrtime.bigint();
        const text = await b.registry.metrics();
        extra.scrapeMs = Number((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3));
        extra.scrapeBytes = text.length;
      }
      out.push(
        toMeasurement(
          'observability-overhead',
          `front end with ${b.variant.name} c=${concurrency}`,
          false,
          concurrency,
          m,
          extra,
        ),
      );
    }
    return out;
  } finally {
    for (const b of built) await b.dispose();
    await plain.close();
    context.disable();
  }
};
