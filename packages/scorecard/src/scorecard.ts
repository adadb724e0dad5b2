import {
  type Clock,
  ConfigurationError,
  type Json,
  type ModelRef,
  matchesSelector,
  type RendezvousResult,
  systemClock,
  type Timer,
} from '@rendezvous-ml/core';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { AlarmBook } from './alarm-book.js';
import { featuresOf, jsonEqual } from './features-of.js';
import { ResultsStreamReader, type ResultsStreamStats } from './results-stream-reader.js';
import type { ScorecardAlarm } from './scorecard-alarm.js';
import type { ScorecardOptions, ScorecardWindow } from './scorecard-options.js';
import type { ScorecardSnapshot, WindowFigures } from './scorecard-snapshot.js';
import { Binning, type ShiftReference, ShiftReferenceBuilder } from './shift-reference.js';
import { pairKey, Tally, TallyRing } from './tally.js';
import { windowFigures } from './window-figures.js';

const DEFAULT_WINDOWS: readonly ScorecardWindow[] = [
  { name: '1m', durationMs: 60_000 },
  { name: '10m', durationMs: 600_000 },
  { name: 'all' },
];

const keyOf = (m: ModelRef): string => `${m.name}@${m.version}`;

/**
 * A live scorecard of the models behind one or more front ends: per model version and per
 * sliding window, answers chosen, errors, timeouts, late scores, latency percentiles,
 * agreement with a reference model (95% Wilson interval), output shift and input shift per
 * feature (PSI against a reference window). It emits snapshots on `scorecard$` and alarms,
 * with their evidence, on `alarm$`.
 *
 * Windows are sums of time buckets taken on the scorecard's clock when a result is read.
 *
 * @example
 * ```ts
 * const scorecard = new Scorecard({ results$: rendezvous.results$, snapshotIntervalMs: 5_000 });
 * scorecard.alarm$.subscribe((a) => console.warn(a));
 * await scorecard.start();
 * console.log(scorecard.snapshot().windows[0]?.models);
 * await scorecard.stop();
 * ```
 */
export class Scorecard {
  private readonly clock: Clock;
  private readonly windows: readonly ScorecardWindow[];
  private readonly ring: TallyRing | undefined;
  private readonly total = new Tally();
  private readonly agree: (a: Json, b: Json) => boolean;
  private readonly features: (input: Json) => Readonly<Record<string, Json>>;
  private readonly outputValue: (output: Json) => Json;
  private readonly alarms: AlarmBook;
  private builder: ShiftReferenceBuilder | undefined;
  private reference: ShiftReference | undefined;
  private inputBins = new Map<string, Binning>();
  private outputBins = new Map<string, Binning>();
  private readonly snapshots = new Subject<ScorecardSnapshot>();
  private readonly alarmSubject = new Subject<ScorecardAlarm>();
  private readonly reader: ResultsStreamReader | undefined;
  private subscription: Subscription | undefined;
  private timer: Timer | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  // Reused on every record(): this is the hot path of every result, and allocation shows.
  private tallies: Tally[] = [this.total];
  private readonly outputs = new Map<string, Json>();
  private readonly outputKeys: string[] = [];
  private readonly outputValues: Json[] = [];

  /** A snapshot every `snapshotIntervalMs`, and on each `snapshot()`. Completes on `stop()`. */
  readonly scorecard$: Observable<ScorecardSnapshot> = this.snapshots.asObservable();
  /** Alarms firing and clearing. Completes on `stop()`. */
  readonly alarm$: Observable<ScorecardAlarm> = this.alarmSubject.asObservable();

  constructor(private readonly options: ScorecardOptions = {}) {
    if (options.results$ && options.resultsStream)
      throw new ConfigurationError('give a Scorecard either results$ or resultsStream, not both');
    this.clock = options.clock ?? systemClock;
    this.windows = options.windows ?? DEFAULT_WINDOWS;
    if (this.windows.length === 0) throw new ConfigurationError('a Scorecard needs a window');
    const finite = this.windows.flatMap((w) => (w.durationMs === undefined ? [] : [w.durationMs]));
    if (finite.some((d) => !(d > 0))) throw new ConfigurationError('window durations must be > 0');
    if (finite.length > 0) {
      const bucketMs = options.bucketMs ?? Math.max(1, Math.min(...finite) / 12);
      if (!(bucketMs > 0)) throw new ConfigurationError('bucketMs must be > 0');
      this.ring = new TallyRing(bucketMs, Math.max(...finite));
    }
    this.agree = options.agree ?? jsonEqual;
    this.features = options.features ?? featuresOf;
    this.outputValue = options.outputValue ?? ((o) => o);
    this.alarms = new AlarmBook(options.alarms);
    const bins = options.bins ?? 10;
    const shiftReference = options.shiftReference;
    if (shiftReference && 'saved' in shiftReference) this.useReference(shiftReference.saved);
    else this.builder = new ShiftReferenceBuilder(shiftReference?.results ?? 1000, bins);
    if (options.resultsStream)
      this.reader = new ResultsStreamReader(options.resultsStream, this.clock, (r) =>
        this.record(r),
      );
  }

  /** Starts reading results and emitting snapshots. Idempotent. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state === 'stopped')
      throw new ConfigurationError('a stopped Scorecard cannot restart');
    this.state = 'running';
    await this.reader?.start();
    this.subscription = this.options.results$?.subscribe((r) => this.record(r));
    this.schedule();
  }

  /** Stops reading (settling the deliveries in hand) and completes the observables. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.timer?.cancel();
    this.subscription?.unsubscribe();
    await this.reader?.stop();
    this.snapshots.complete();
    this.alarmSubject.complete();
  }

  /** Counters of the results stream (zeros when reading `results$`). */
  streamStats(): ResultsStreamStats {
    return (
      this.reader?.stats() ?? { read: 0, duplicates: 0, deadLettered: 0, dropped: 0, failed: 0 }
    );
  }

  /** The shift reference, once complete, to save as JSON and pass back as `{ saved }`. */
  exportShiftReference(): ShiftReference | undefined {
    return this.reference;
  }

  /** Counts one decided result (what `results$` and the results stream feed). */
  record(result: RendezvousResult): void {
    const bucket = this.ring?.at(this.clock.now());
    if (bucket && this.tallies[0] !== bucket) this.tallies = [bucket, this.total];
    const tallies = this.tallies;
    const outputs = this.outputs;
    outputs.clear();
    for (const t of tallies) {
      t.results++;
      if (result.status === 'answered') t.answered++;
      else t.failed++;
      t.latency.record(result.latencyMs);
    }
    // A timeout is a model that never scored before the mailbox closed: one pending at the
    // decision whose score came late (a shadow, a slow canary) is counted as late, not as a timeout.
    const lateKeys =
      result.late.length > 0 ? new Set(result.late.map((c) => keyOf(c.model))) : undefined;
    for (const c of result.candidates) {
      const key = keyOf(c.model);
      if (c.status === 'ok') outputs.set(key, c.output);
      for (const t of tallies) {
        const m = t.model(key);
        m.candidates++;
        if (c.status === 'pending') {
          if (!lateKeys?.has(key)) m.timeouts++;
        } else {
          if (c.status === 'ok') m.ok++;
          else m.errors++;
          m.latency.record(c.latencyMs);
        }
      }
    }
    for (const c of result.late) {
      const key = keyOf(c.model);
      if (c.status === 'ok' && !outputs.has(key)) outputs.set(key, c.output);
      for (const t of tallies) {
        const m = t.model(key);
        m.late++;
        if (c.status !== 'pending') m.latency.record(c.latencyMs);
      }
    }
    if (result.chosen) {
      const key = keyOf(result.chosen.model);
      for (const t of tallies) t.model(key).chosen++;
    }
    this.countAgreement(outputs, tallies);
    this.countShift(result.input, outputs, tallies);
  }

  /** Builds a snapshot now, evaluates the alarms on it, and emits both. */
  snapshot(): ScorecardSnapshot {
    const at = this.clock.now();
    const reference = this.agreementReference();
    const windows: WindowFigures[] = this.windows.map((w) => {
      if (w.durationMs === undefined || !this.ring)
        return windowFigures(
          { window: w.name, durationMs: null, from: 0, to: at },
          this.total,
          reference,
          this.reference,
        );
      const { tally, from } = this.ring.sum(at, w.durationMs);
      return windowFigures(
        { window: w.name, durationMs: w.durationMs, from, to: at },
        tally,
        reference,
        this.reference,
      );
    });
    const snapshot: ScorecardSnapshot = {
      at,
      reference,
      shiftReference: {
        ready: this.reference !== undefined,
        results: this.reference?.results ?? this.builder?.count ?? 0,
      },
      windows,
    };
    this.snapshots.next(snapshot);
    for (const alarm of this.alarms.evaluate(at, windows)) this.alarmSubject.next(alarm);
    return snapshot;
  }

  private schedule(): void {
    const every = this.options.snapshotIntervalMs ?? 10_000;
    if (!(every > 0) || this.state !== 'running') return;
    this.timer = this.clock.setTimeout(() => {
      if (this.state !== 'running') return;
      this.snapshot();
      this.schedule();
    }, every);
  }

  /**
   * The configured `name@version`; else the model chosen most since start among those matching
   * the configured name (or all), ties broken by key.
   */
  private agreementReference(): string | undefined {
    const configured = this.options.reference;
    if (configured?.includes('@')) return configured;
    const keys = [...this.total.models.keys()]
      .filter((k) => !configured || matchesSelector(refOf(k), configured))
      .sort();
    let best = configured ? keys[0] : undefined;
    let most = 0;
    for (const k of keys) {
      const chosen = this.total.models.get(k)!.chosen;
      if (chosen > most) {
        best = k;
        most = chosen;
      }
    }
    return best;
  }

  private countAgreement(outputs: ReadonlyMap<string, Json>, tallies: readonly Tally[]): void {
    if (outputs.size < 2) return;
    const keys = this.outputKeys;
    const values = this.outputValues;
    keys.length = 0;
    values.length = 0;
    for (const [k, v] of outputs) {
      keys.push(k);
      values.push(v);
    }
    for (let i = 0; i < keys.length; i++)
      for (let j = i + 1; j < keys.length; j++) {
        const a = keys[i]!;
        const b = keys[j]!;
        const agreed =
          a < b ? this.agree(values[i]!, values[j]!) : this.agree(values[j]!, values[i]!);
        const key = pairKey(a, b);
        for (const t of tallies) {
          const p = t.pair(key);
          p.compared++;
          if (agreed) p.agreed++;
        }
      }
  }

  private countShift(
    input: Json,
    outputs: ReadonlyMap<string, Json>,
    tallies: readonly Tally[],
  ): void {
    const features = this.features(input);
    if (!this.reference) {
      const watched = new Map([...outputs].map(([k, o]) => [k, this.outputValue(o)] as const));
      const done = this.builder?.add(features, watched);
      if (done) this.useReference(done);
      return;
    }
    for (const t of tallies) t.shiftSamples++;
    for (const [feature, binning] of this.inputBins) {
      const value = features[feature];
      if (value === undefined) continue;
      const bin = binning.binOf(value);
      for (const t of tallies) {
        let counts = t.inputs.get(feature);
        if (!counts) {
          counts = new Array<number>(binning.size).fill(0);
          t.inputs.set(feature, counts);
        }
        counts[bin]!++;
      }
    }
    for (const [model, output] of outputs) {
      const binning = this.outputBins.get(model);
      if (!binning) continue;
      const bin = binning.binOf(this.outputValue(output));
      for (const t of tallies) {
        const m = t.model(model);
        m.outputs ??= new Array<number>(binning.size).fill(0);
        m.outputs[bin]!++;
      }
    }
  }

  private useReference(reference: ShiftReference): void {
    this.reference = reference;
    this.builder = undefined;
    const binnings = (d: ShiftReference['inputs']) =>
      new Map(Object.entries(d).map(([k, dist]) => [k, new Binning(dist)] as const));
    this.inputBins = binnings(reference.inputs);
    this.outputBins = binnings(reference.outputs);
  }
}

function refOf(key: string): ModelRef {
  const at = key.lastIndexOf('@');
  return { name: key.slice(0, at), version: key.slice(at + 1) };
}
