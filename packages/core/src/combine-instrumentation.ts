import type {
  Instrumentation,
  PredictionEnd,
  PredictionHooks,
  PredictionStart,
  RequestHooks,
  RequestStart,
  ScoreArrival,
} from './instrumentation.js';
import type { RendezvousResult } from './result.js';
import type { Json } from './wire/json.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * The instrumentation a front end or worker actually calls: every hook of every given
 * {@link Instrumentation}, each guarded so that a throw never reaches a request or a delivery
 * (it is counted in `hookErrors` and otherwise ignored).
 *
 * @example
 * ```ts
 * const combined = combineInstrumentation([tracing, metrics]);
 * combined?.hookErrors; // 0 while no hook threw
 * ```
 */
export interface CombinedInstrumentation {
  request(start: RequestStart): RequestHooks | undefined;
  prediction(start: PredictionStart): PredictionHooks | undefined;
  /** Hooks that threw (or returned something unusable) so far; each was ignored. */
  readonly hookErrors: number;
}

function isList(
  given: Instrumentation | readonly Instrumentation[],
): given is readonly Instrumentation[] {
  return Array.isArray(given);
}

/**
 * Why `value` cannot be an `instrumentation` option, or `undefined` if it can: an object whose
 * `request` and `prediction`, when present, are functions, or an array of such objects.
 *
 * @example
 * ```ts
 * instrumentationProblem({ request: 1 }); // 'instrumentation.request must be a function ...'
 * ```
 */
export function instrumentationProblem(value: unknown): string | undefined {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  for (const [i, item] of list.entries()) {
    const at = Array.isArray(value) ? `instrumentation[${i}]` : 'instrumentation';
    if (typeof item !== 'object' || item === null)
      return `${at} must be an object with request() and/or prediction() hooks, e.g. openTelemetry() (got ${item === null ? 'null' : typeof item})`;
    for (const hook of ['request', 'prediction'] as const) {
      const fn = (item as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== 'function')
        return `${at}.${hook} must be a function, or left out (got ${typeof fn})`;
    }
  }
  return undefined;
}

/**
 * Combines the `instrumentation` option (one or several) into one guarded instrumentation, or
 * `undefined` when there is none, so that the front end and the worker build no hook object
 * and call nothing. Hooks run in the order given; the `meta` entries of an earlier one win.
 *
 * @example
 * ```ts
 * const instrumentation = combineInstrumentation(options.instrumentation);
 * const hooks = instrumentation?.request(start); // nothing is built without instrumentation
 * ```
 */
export function combineInstrumentation(
  given: Instrumentation | readonly Instrumentation[] | undefined,
): CombinedInstrumentation | undefined {
  if (given === undefined) return undefined;
  const list = isList(given) ? [...given] : [given];
  return list.length === 0 ? undefined : new Combined(list);
}

/** Whether every own enumerable value of `meta` is a string (a hook could return anything). */
function onlyStrings(meta: Readonly<Record<string, unknown>>): boolean {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return false;
  // for-in with an own check: the keys of Object.keys, without its array per request.
  for (const k in meta) if (Object.hasOwn(meta, k) && typeof meta[k] !== 'string') return false;
  return true;
}

/**
 * `list` with `item` appended, built at the size it needs for one or two items (an empty
 * array's first `push` reserves room for 17): the combined hooks are built per request and per
 * prediction, and one or two instrumentations (a tracer, metrics) is the common case.
 */
function append<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  if (list.length === 1) return [list[0] as T, item];
  list.push(item);
  return list;
}

/** Where the guarded hooks count the throws they swallowed. */
interface ErrorCount {
  hookErrors: number;
}

class Combined implements CombinedInstrumentation, ErrorCount {
  hookErrors = 0;
  private readonly requesters: Instrumentation[];
  private readonly predictors: Instrumentation[];

  constructor(list: readonly Instrumentation[]) {
    this.requesters = list.filter((i) => typeof i.request === 'function');
    this.predictors = list.filter((i) => typeof i.prediction === 'function');
  }

  // Per request: one array and one hooks object (no closures): this runs on the hot path. Hooks
  // with nothing to call back (an unsampled trace adds only `meta`) leave just that `meta`.
  request(start: RequestStart): RequestHooks | undefined {
    let all: RequestHooks[] | undefined;
    let meta: Readonly<Record<string, string>> | undefined;
    let copied = false; // whether `meta` is our own object (else one hook's, not to be written)
    for (const i of this.requesters) {
      try {
        const hooks = i.request?.(start);
        if (hooks === undefined) continue;
        if (typeof hooks !== 'object' || hooks === null) throw new TypeError('not hooks');
        if (hooks.score || hooks.decided || hooks.closed) all = append(all, hooks);
        const extra = hooks.meta;
        if (extra === undefined) continue;
        // The first hook's entries as they are when they are all strings (the common case: one
        // tracer's `traceparent`); a copy as soon as there is anything to filter or merge.
        if (meta === undefined && onlyStrings(extra)) {
          meta = extra;
          continue;
        }
        const into: Record<string, string> = copied
          ? (meta as Record<string, string>)
          : { ...meta };
        copied = true;
        meta = into;
        for (const k of Object.keys(extra)) {
          const v = extra[k];
          if (typeof v === 'string' && !(k in into)) into[k] = v;
        }
      } catch {
        this.hookErrors++;
      }
    }
    if (all) return new GuardedRequestHooks(this, all, meta);
    return meta && { meta };
  }

  prediction(start: PredictionStart): PredictionHooks | undefined {
    let all: PredictionHooks[] | undefined;
    let runners: PredictionHooks[] | undefined;
    for (const i of this.predictors) {
      try {
        const hooks = i.prediction?.(start);
        if (hooks === undefined) continue;
        if (typeof hooks !== 'object' || hooks === null) throw new TypeError('not hooks');
        all = append(all, hooks);
        if (typeof hooks.run === 'function') runners = append(runners, hooks);
      } catch {
        this.hookErrors++;
      }
    }
    if (!all) return undefined;
    return runners
      ? new GuardedRunningPredictionHooks(this, all, runners)
      : new GuardedPredictionHooks(this, all);
  }
}

class GuardedRequestHooks implements RequestHooks {
  readonly meta?: Readonly<Record<string, string>>;

  constructor(
    private readonly errors: ErrorCount,
    private readonly all: readonly RequestHooks[],
    meta: Readonly<Record<string, string>> | undefined,
  ) {
    if (meta !== undefined) this.meta = meta;
  }

  score(score: ScoreEnvelope, arrival: ScoreArrival, at: number): void {
    for (const h of this.all)
      try {
        h.score?.(score, arrival, at);
      } catch {
        this.errors.hookErrors++;
      }
  }

  decided(result: RendezvousResult<Json, Json>): void {
    for (const h of this.all)
      try {
        h.decided?.(result);
      } catch {
        this.errors.hookErrors++;
      }
  }

  closed(result: RendezvousResult<Json, Json> | undefined): void {
    for (const h of this.all)
      try {
        h.closed?.(result);
      } catch {
        this.errors.hookErrors++;
      }
  }
}

/** Without `run`: predict is called directly. */
class GuardedPredictionHooks implements PredictionHooks {
  constructor(
    protected readonly errors: ErrorCount,
    private readonly all: readonly PredictionHooks[],
  ) {}

  finished(end: PredictionEnd): void {
    for (const h of this.all)
      try {
        h.finished?.(end);
      } catch {
        this.errors.hookErrors++;
      }
  }
}

/** Some hook has `run`: each wraps the next, in order, around predict. */
class GuardedRunningPredictionHooks extends GuardedPredictionHooks {
  constructor(
    errors: ErrorCount,
    all: readonly PredictionHooks[],
    private readonly runners: readonly PredictionHooks[],
  ) {
    super(errors, all);
  }

  run<A, T>(fn: (arg: A) => T, arg: A): T {
    return this.runFrom(0, fn, arg);
  }

  /**
   * `runners[index].run` around the rest of them, around `fn(arg)`, where only `fn`'s own throw
   * passes through: if the hook throws around it, `fn`'s value is kept; if the hook never
   * called it, it is called here. One {@link RunFrame} per runner, no closure.
   */
  runFrom<A, T>(index: number, fn: (arg: A) => T, arg: A): T {
    if (index === this.runners.length) return fn(arg);
    const frame = new RunFrame(this, index, fn, arg);
    try {
      const returned = this.runners[index]!.run!(enterFrame, frame);
      if (frame.called) return returned as T;
    } catch {
      if (frame.threw) throw frame.thrown;
      if (frame.called) {
        this.errors.hookErrors++;
        return frame.value as T;
      }
    }
    this.errors.hookErrors++; // the hook never called fn (or not with its argument): call it here
    return this.runFrom(index + 1, fn, arg);
  }
}

/** What one runner's guard knows of the call it wraps: the rest of the runners around `fn`. */
class RunFrame<A, T> {
  called = false;
  threw = false;
  thrown: unknown;
  value: T | undefined;

  constructor(
    readonly owner: GuardedRunningPredictionHooks,
    readonly index: number,
    readonly fn: (arg: A) => T,
    readonly arg: A,
  ) {}
}

/** The `fn` every runner is given, with its frame as the argument: the rest of the chain. */
function enterFrame<A, T>(frame: RunFrame<A, T>): T {
  frame.called = true;
  try {
    const value = frame.owner.runFrom(frame.index + 1, frame.fn, frame.arg);
    frame.value = value;
    return value;
  } catch (error) {
    frame.threw = true;
    frame.thrown = error;
    throw error;
  }
}
