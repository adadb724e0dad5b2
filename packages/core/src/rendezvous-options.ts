import type { Clock } from './clock.js';
import { instrumentationProblem } from './combine-instrumentation.js';
import { ConfigurationError } from './errors.js';
import type { Instrumentation } from './instrumentation.js';
import type { RendezvousPolicy } from './policy.js';
import type { RetryOptions } from './retry.js';
import { DEFAULT_STREAMS, type StreamNames, type Transport } from './transport.js';

/**
 * Options of {@link Rendezvous}. They are checked at construction: a missing or out-of-range
 * option throws a `ConfigurationError` whose message names the fix.
 *
 * @example
 * ```ts
 * const opts: RendezvousOptions = { transport, policy: latestVersion(), deadlineMs: 1000, maxInFlight: 10_000 };
 * ```
 */
export interface RendezvousOptions {
  readonly transport: Transport;
  readonly policy: RendezvousPolicy;
  /**
   * Default deadline of a request, in ms: a positive finite number. Default 1000. Any finite
   * length works (timers longer than Node's 2³¹ − 1 ms are chained).
   */
  readonly deadlineMs?: number;
  /** Most undecided requests at once; beyond it `request` fails fast with `OverloadedError`. Default 10 000. */
  readonly maxInFlight?: number;
  readonly streams?: Partial<StreamNames>;
  /** Heartbeat intervals a worker may miss before the front end stops waiting for it. Default 3. */
  readonly missedHeartbeats?: number;
  /**
   * Model discovery window of `start()`, in ms. `start()` probes the workers, probes again
   * twice within this window (a heartbeat subscription may become active only after the first
   * probe), and resolves at its end, so the first request already waits for every live model
   * version: `latestVersion()` never answers with an older version just because the newer one
   * was not heard from yet. Default 300. `0` disables it: `start()` resolves after one probe,
   * and models the probe missed are learnt from their next heartbeat.
   */
  readonly discoveryMs?: number;
  /** Name of this front-end instance (prefix of request ids), without whitespace. Default: random. */
  readonly instanceId?: string;
  /** Retries of a failed publish, bounded by the request's deadline. */
  readonly publishRetry?: Omit<RetryOptions, 'until' | 'clock'>;
  readonly clock?: Clock;
  /** Source of the per-request random number given to policies. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Publish each final result — the record `results$` emits, late scores included — to the
   * `results` stream as a {@link ResultEnvelope} (key = request id), so an `Archiver` with
   * `source: 'results'` can archive the front end's decisions. Best effort: a failed publish
   * (after `resultPublishRetry`) is counted in `stats().resultPublishFailures` and never
   * affects the caller. `close()` waits for the publishes in progress. Default `false`.
   */
  readonly publishResults?: boolean;
  /** Retries of a failed result publish (when `publishResults` is on). */
  readonly resultPublishRetry?: Omit<RetryOptions, 'until' | 'clock'>;
  /**
   * Listen on the control channel (broadcast; default `streams.control`, `'control'`) and apply
   * the policy specs a `PolicyController` publishes there, each only when its version is higher
   * than the one running; report what runs (`applied`, every `reportIntervalMs`, default 5000,
   * and on query); and, during `start()`'s `discoveryMs` window, ask the other front ends and
   * adopt the highest version they answer (with `discoveryMs: 0`, answers are applied as they
   * come, after `start()` resolved). Default `false`.
   */
  readonly control?: boolean | { readonly channel?: string; readonly reportIntervalMs?: number };
  /**
   * Tracing or metrics hooks (one, or several called in order), such as `openTelemetry()` from
   * `@rendezvous-ml/opentelemetry`. A hook that throws is ignored. Default: none (nothing is
   * built or called per request).
   */
  readonly instrumentation?: Instrumentation | readonly Instrumentation[];
}

/**
 * Options of one {@link Rendezvous.request} call.
 *
 * @example
 * ```ts
 * await rendezvous.request(input, { deadlineMs: 250, meta: { traceparent } });
 * ```
 */
export interface RequestOptions {
  /** Deadline of this request, in ms from now. */
  readonly deadlineMs?: number;
  /** Request id; must be unique among requests in flight. Default: generated. */
  readonly id?: string;
  /** String metadata carried to every model (trace context, tenant...). */
  readonly meta?: Readonly<Record<string, string>>;
}

const TRANSPORT_METHODS = [
  'publish',
  'ensureGroup',
  'consume',
  'openReplyChannel',
  'reply',
  'broadcast',
  'listen',
  'close',
] as const;

function fail(message: string): never {
  throw new ConfigurationError(`new Rendezvous(): ${message}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'number' || typeof x === 'boolean' || x == null) return String(x);
  return typeof x;
}

/**
 * Checks {@link RendezvousOptions} before anything is built, so a mistake is reported by
 * name instead of surfacing later from inside RxJS or as every request failing.
 *
 * @example
 * ```ts
 * checkRendezvousOptions({ transport, policy: first(), deadlineMs: Infinity }); // throws ConfigurationError
 * ```
 */
export function checkRendezvousOptions(options: unknown): asserts options is RendezvousOptions {
  if (!isObject(options))
    fail('pass an options object: new Rendezvous({ transport, policy: latestVersion() })');
  const o = options;
  if (o.transport === undefined)
    fail('transport is required: pass one, e.g. { transport: new MemoryTransport() }');
  const t = o.transport;
  const missing = isObject(t)
    ? TRANSPORT_METHODS.filter((m) => typeof t[m] !== 'function')
    : [...TRANSPORT_METHODS];
  if (missing.length > 0)
    fail(
      `transport must implement the Transport interface; it lacks ${missing.join(', ')}: pass a MemoryTransport, RedisTransport or KafkaTransport`,
    );
  if (o.policy === undefined)
    fail('policy is required: pass one, e.g. { policy: latestVersion() } or first()');
  const p = o.policy;
  if (!isObject(p) || typeof p.decide !== 'function')
    fail('policy.decide must be a function: pass a built-in policy such as latestVersion()');
  if (typeof p.name !== 'string' || p.name === '')
    fail('policy.name must be a non-empty string (it is recorded in every result)');
  positiveFinite(o, 'deadlineMs', 'e.g. 1000');
  positiveInteger(o, 'maxInFlight');
  positiveInteger(o, 'missedHeartbeats');
  if (o.discoveryMs !== undefined) {
    const d = o.discoveryMs;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0)
      fail(`discoveryMs must be a finite number ≥ 0 (0 disables discovery), got ${describe(d)}`);
  }
  if (o.instanceId !== undefined) {
    const id = o.instanceId;
    if (typeof id !== 'string' || id === '')
      fail(`instanceId must be a non-empty string, got ${describe(id)}`);
    if (/\s/.test(id))
      fail(`instanceId must not contain spaces or other whitespace, got ${describe(id)}`);
  }
  if (o.random !== undefined && typeof o.random !== 'function')
    fail('random must be a function returning a number in [0, 1), e.g. Math.random');
  if (o.clock !== undefined) {
    const c = o.clock;
    if (!isObject(c) || typeof c.now !== 'function' || typeof c.setTimeout !== 'function')
      fail('clock must have now() and setTimeout(): pass systemClock or a VirtualClock');
  }
  if (o.control !== undefined && typeof o.control !== 'boolean') {
    const c = o.control;
    if (!isObject(c)) fail('control must be true, false or { channel?, reportIntervalMs? }');
    if (c.channel !== undefined && (typeof c.channel !== 'string' || c.channel === ''))
      fail(`control.channel must be a non-empty string, got ${describe(c.channel)}`);
    positiveFinite(c, 'reportIntervalMs', 'e.g. 5000');
  }
  if (o.instrumentation !== undefined) {
    const problem = instrumentationProblem(o.instrumentation);
    if (problem) fail(problem);
  }
  if (o.streams !== undefined) {
    if (!isObject(o.streams)) fail('streams must be an object of stream names');
    for (const key of Object.keys(DEFAULT_STREAMS)) {
      const name = o.streams[key];
      if (name !== undefined && (typeof name !== 'string' || name === ''))
        fail(`streams.${key} must be a non-empty string, got ${describe(name)}`);
    }
  }
}

function positiveFinite(o: Record<string, unknown>, key: string, hint: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    fail(`${key} must be a positive finite number of ms (${hint}), got ${describe(v)}`);
}

function positiveInteger(o: Record<string, unknown>, key: string): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail(`${key} must be a positive integer, got ${describe(v)}`);
}
