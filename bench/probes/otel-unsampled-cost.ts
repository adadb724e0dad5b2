/**
 * The CPU cost per request of tracing a front end at 1 in 100 (parent-based ratio sampler) with
 * the Prometheus metrics, against the same memory stack without instrumentation (2 models,
 * c=64), as the observability-overhead scenario builds them; optionally with every request
 * sampled too. Variants alternate over several rounds; prints the median CPU µs per request of
 * each, its spread, and its extra over the bare stack. Not a scenario (no req/s, no report).
 *
 * Run: `node --import tsx bench/probes/otel-unsampled-cost.ts [--rounds 7] [--requests 20000]
 * [--all] [--only 1in100] [--caller]`; with `--only <variant>` it runs that stack alone (for
 * `node --cpu-prof --import tsx ...`). With `--caller`, every request of every variant (the
 * floor included) is made inside a caller's span, as in a traced service's request handler:
 * the caller's SDK samples 1 in 100 (parent-based ratio), so the front end follows its decision.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { closedLoop, meterCost } from '../lib/closed-loop.js';
import type { Stack } from '../lib/memory-stack.js';
import { type Built, build, type Variant } from '../scenarios/observability-overhead.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const rounds = Number(arg('rounds', '7'));
const requests = Number(arg('requests', '20000'));
const only = arg('only', '');
const all = process.argv.includes('--all');
const withCaller = process.argv.includes('--caller');

const ratio = (r: number) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(r) });
const VARIANTS: readonly Variant[] = [
  { name: 'base', metrics: false },
  { name: 'metrics', metrics: true },
  { name: '1in100', metrics: true, sampler: ratio(0.01) },
  ...(all
    ? [
        { name: '1in10', metrics: true, sampler: ratio(0.1) },
        { name: 'always', metrics: true, sampler: new AlwaysOnSampler() },
      ]
    : []),
].filter((v) => only === '' || v.name === only);

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
// As in the scenario, the floor runs with the context manager's AsyncLocalStorage on (its first
// run() enables the promise hooks on Node 20), as in any traced service.
context.with(ROOT_CONTEXT, () => undefined);
const built: (Built & { cpu: number[]; alloc: number[] })[] = [];
for (const v of VARIANTS) built.push({ ...(await build(v)), cpu: [], alloc: [] });
const input = { x: 1 };
const callerTracer = new BasicTracerProvider({ sampler: ratio(0.01) }).getTracer('caller');
const underCaller = (s: Stack) => {
  const span = callerTracer.startSpan('caller');
  return context
    .with(trace.setSpan(ROOT_CONTEXT, span), () => s.rendezvous.request(input))
    .finally(() => span.end());
};
const once = async (s: Stack) => {
  const done = meterCost(); // process.cpuUsage() and V8's allocated bytes
  const loop = await closedLoop(64, requests, () =>
    withCaller ? underCaller(s) : s.rendezvous.request(input),
  );
  return done(loop.requests);
};
for (const b of built) await once(b.stack); // warm-up
for (let r = 0; r < rounds; r++)
  for (const b of built) {
    const cost = await once(b.stack);
    b.cpu.push(cost.cpuUsPerRequest);
    b.alloc.push(cost.allocBytesPerRequest);
  }
const isBase = built[0]!.variant.name === 'base';
const base = isBase ? median(built[0]!.cpu) : Number.NaN;
const baseAlloc = isBase ? median(built[0]!.alloc) : Number.NaN;
for (const b of built) {
  const m = median(b.cpu);
  console.log(
    `${b.variant.name.padEnd(8)} ${m.toFixed(1)} µs/request (${Math.min(...b.cpu).toFixed(1)}–${Math.max(...b.cpu).toFixed(1)})` +
      (isBase
        ? `  extra ${(m - base).toFixed(1)} µs (${(((m - base) / m) * 100).toFixed(1)}%)`
        : '') +
      `  heap ${median(b.alloc).toFixed(0)} B/request` +
      (isBase ? ` (+${(median(b.alloc) - baseAlloc).toFixed(0)})` : ''),
  );
}
for (const b of built) await b.dispose();
