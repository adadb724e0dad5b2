/**
 * Test fixtures: an OpenTelemetry SDK tracer provider per "process", whose finished spans are
 * kept as plain records (in memory, or as JSON lines in a file for a child process), and the
 * global AsyncLocalStorage context manager that `context.with` and active spans need.
 */
import { appendFileSync } from 'node:fs';
import { context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** A finished span, as plain JSON. */
export interface SpanRecord {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly kind: number;
  readonly status: { readonly code: number; readonly message?: string | undefined };
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly {
    readonly name: string;
    readonly attributes: Readonly<Record<string, unknown>>;
  }[];
}

export function toRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    kind: span.kind,
    status: { code: span.status.code, message: span.status.message },
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } })),
  };
}

/** Appends each finished span to `file`, one JSON line each, as soon as it ends. */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) appendFileSync(this.file, `${JSON.stringify(toRecord(span))}\n`);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

/** Installs the global context manager (once per process). */
export function enableContext(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** A tracer provider of its own (the SDK's default sampler, or `sampler`), whose finished spans are kept in memory. */
export function memoryTracing(name = 'test', sampler?: Sampler) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(sampler ? { sampler } : {}),
  });
  return {
    provider,
    tracer: provider.getTracer(name),
    spans: (): SpanRecord[] => exporter.getFinishedSpans().map(toRecord),
    shutdown: () => provider.shutdown(),
  };
}

/** Runs `fn` inside a new active span named `name`, ended when `fn` settles. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}
