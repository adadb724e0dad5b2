import type {
  Instrumentation,
  PredictionEnd,
  PredictionHooks,
  PredictionStart,
  RequestHooks,
  RequestStart,
} from './instrumentation.js';

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

class Combined implements CombinedInstrumentation {
  hookErrors = 0;
  private readonly requesters: Instrumentation[];
  private readonly predictors: Instrumentation[];

  constructor(list: readonly Instrumentation[]) {
    this.requesters = list.filter((i) => typeof i.request === 'function');
    this.predictors = list.filter((i) => typeof i.prediction === 'function');
  }

  /** Runs `fn`, counting and swallowing a throw. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.hookErrors++;
    }
  }

  request(start: RequestStart): RequestHooks | undefined {
    const all: RequestHooks[] = [];
    let meta: Record<string, string> | undefined;
    for (const i of this.requesters) {
      this.guard(() => {
        const hooks = i.request?.(start);
        if (hooks === undefined) return;
        if (typeof hooks !== 'object' || hooks === null) throw new TypeError('not hooks');
        all.push(hooks);
        if (hooks.meta === undefined) return;
        meta ??= {};
        for (const [k, v] of Object.entries(hooks.meta))
          if (typeof v === 'string' && !(k in meta)) meta[k] = v;
      });
    }
    if (all.length === 0) return undefined;
    const each = (call: (h: RequestHooks) => void): void => {
      for (const h of all) this.guard(() => call(h));
    };
    return {
      ...(meta === undefined ? {} : { meta }),
      score: (score, arrival, at) => each((h) => h.score?.(score, arrival, at)),
      decided: (result) => each((h) => h.decided?.(result)),
      closed: (result) => each((h) => h.closed?.(result)),
    };
  }

  prediction(start: PredictionStart): PredictionHooks | undefined {
    const all: PredictionHooks[] = [];
    for (const i of this.predictors) {
      this.guard(() => {
        const hooks = i.prediction?.(start);
        if (hooks === undefined) return;
        if (typeof hooks !== 'object' || hooks === null) throw new TypeError('not hooks');
        all.push(hooks);
      });
    }
    if (all.length === 0) return undefined;
    const runners = all.filter((h) => typeof h.run === 'function');
    const run = <T>(fn: () => T): T =>
      runners.reduceRight<() => T>((inner, h) => () => this.runGuarded(h, inner), fn)();
    return {
      ...(runners.length === 0 ? {} : { run }),
      finished: (end: PredictionEnd) => {
        for (const h of all) this.guard(() => h.finished?.(end));
      },
    };
  }

  /**
   * `hooks.run(fn)`, where only `fn`'s own throw passes through: if the hook throws around it,
   * `fn`'s value is kept; if the hook never called `fn`, it is called here.
   */
  private runGuarded<T>(hooks: PredictionHooks, fn: () => T): T {
    let called = false;
    let value: T | undefined;
    let threw = false;
    let thrown: unknown;
    try {
      const returned = hooks.run!(() => {
        called = true;
        try {
          value = fn();
          return value;
        } catch (error) {
          threw = true;
          thrown = error;
          throw error;
        }
      });
      if (called) return returned;
    } catch {
      if (threw) throw thrown;
      if (called) {
        this.hookErrors++;
        return value as T;
      }
    }
    this.hookErrors++; // the hook never called fn: call it here
    return fn();
  }
}
