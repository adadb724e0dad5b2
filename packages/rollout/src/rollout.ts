import {
  type Clock,
  type PolicySpec,
  type PublishReport,
  retryWithBackoff,
  systemClock,
} from '@rendezvous-ml/core';
import { type Observable, Subject } from 'rxjs';
import { EventArchive } from './event-archive.js';
import { RetireWatch } from './retire-watch.js';
import type { RolloutEvent, RolloutOutcome } from './rollout-event.js';
import type { GateFigures } from './rollout-gate.js';
import {
  type ResolvedRolloutOptions,
  type RolloutOptions,
  resolveRolloutOptions,
} from './rollout-options.js';
import { type RolloutStage, stageName } from './rollout-stage.js';
import { StageJudge } from './stage-judge.js';
import { type RolloutModels, rollbackSpec, stageSpec } from './stage-spec.js';

/** Publishes of one spec while no (or too few) front ends applied it. */
const PUBLISH_ATTEMPTS = 3;

type EventFields = Omit<
  RolloutEvent,
  'type' | 'rollout' | 'seq' | 'candidate' | 'current' | 'stage' | 'stageIndex' | 'at'
>;

/**
 * Moves a model version into production in stages — shadow, canary shares, promoted, the
 * previous version retired — publishing each stage's policy spec to every front end through
 * the control channel. Each stage is judged on a fresh `Scorecard` ({@link StageJudge}) fed
 * only with the results decided under that stage's policy version: it advances when its gate holds
 * ({@link RolloutGate}) and rolls back at once (the current version first again, the candidate
 * in shadow) on an alarm for the candidate, a failed gate, a stage that times out, a spec a
 * front end rejects, or {@link Rollout.abort}. Every transition is a {@link RolloutEvent} on
 * `events$`, and is written to `archive` when one is given.
 *
 * @example
 * ```ts
 * const rollout = new Rollout({
 *   candidate: 'dt@2', current: 'dt@1', keep: ['lr'],
 *   control: controller, results: resultsFromStream({ transport, group: 'rollout' }),
 * });
 * rollout.events$.subscribe((e) => console.log(e.type, e.stage, e.reason ?? ''));
 * const outcome = await rollout.run(); // { status: 'completed' | 'rolled-back', ... }
 * ```
 */
export class Rollout {
  /** Identifies every event of this rollout. */
  readonly id: string;
  private readonly clock: Clock;
  private readonly resolved: ResolvedRolloutOptions;
  private readonly models: RolloutModels;
  private readonly subject = new Subject<RolloutEvent>();
  private readonly events: RolloutEvent[] = [];
  private readonly archive: EventArchive | undefined;
  private running: Promise<RolloutOutcome> | undefined;
  private abortReason: string | undefined;
  private judge: StageJudge | undefined;
  private retireWatch: RetireWatch | undefined;
  private lastVersion = Number.NEGATIVE_INFINITY;
  private stage: { readonly name: string; readonly index: number } = { name: '', index: -1 };

  /** Every transition, as it happens. Completes when the rollout ends. */
  readonly events$: Observable<RolloutEvent> = this.subject.asObservable();

  constructor(private readonly options: RolloutOptions) {
    this.resolved = resolveRolloutOptions(options);
    this.clock = options.clock ?? systemClock;
    this.models = {
      candidate: options.candidate,
      current: options.current,
      keep: this.resolved.keep,
    };
    this.id = options.id ?? `${options.candidate}-${this.clock.now()}`;
    this.archive = options.archive ? new EventArchive(options.archive, this.clock) : undefined;
  }

  /** Runs the rollout to its end: completed, or rolled back. Runs once; later calls get the same outcome. */
  run(): Promise<RolloutOutcome> {
    this.running ??= this.execute();
    return this.running;
  }

  /** Stops the rollout and rolls back (unless the previous version is already being retired). */
  abort(reason: string): void {
    this.stop(`aborted: ${reason}`);
  }

  private stop(reason: string): void {
    this.abortReason ??= reason;
    this.judge?.interrupt(this.abortReason);
  }

  private async execute(): Promise<RolloutOutcome> {
    const startedAt = this.clock.now();
    const subscription = this.options.results.subscribe({
      next: (r) => {
        this.judge?.offer(r, this.lastVersion);
        this.retireWatch?.offer(r);
      },
      error: (e: unknown) =>
        this.stop(`the results source failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    try {
      const end = await this.stages();
      await this.archive?.flush();
      const last = this.events[this.events.length - 1];
      return {
        status: end.status,
        rollout: this.id,
        stage: this.stage.name,
        ...(end.reason === undefined ? {} : { reason: end.reason }),
        ...(last?.version === undefined ? {} : { version: last.version }),
        events: [...this.events],
        archiveFailures: this.archive?.failures ?? 0,
        startedAt,
        endedAt: this.clock.now(),
      };
    } finally {
      subscription.unsubscribe();
      await this.closeJudge();
      await this.archive?.flush();
      this.subject.complete();
    }
  }

  private async stages(): Promise<{ status: RolloutOutcome['status']; reason?: string }> {
    const stages = this.resolved.stages;
    for (let index = 0; index < stages.length; index++) {
      const stage = stages[index]!;
      this.stage = { name: stageName(stage), index };
      if (this.abortReason) return this.rollBack(this.abortReason, undefined, index > 0);
      const judge = stage.kind === 'retired' ? undefined : this.openJudge(stage);
      let report: PublishReport;
      try {
        report = await this.publish(stageSpec(stage, this.models));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return this.rollBack(`publishing the ${this.stage.name} spec failed: ${why}`, undefined);
      }
      this.lastVersion = Math.max(this.lastVersion, report.version);
      const started = {
        version: report.version,
        applied: report.applied.length,
        publishMs: report.elapsedMs,
      };
      if (report.rejected.length > 0) {
        const who = report.rejected.map((r) => `${r.instance}: ${r.reason ?? 'rejected'}`);
        this.emit('stage-started', started);
        return this.rollBack(`front ends rejected the ${this.stage.name} spec (${who.join('; ')})`);
      }
      judge?.setVersion(report.version);
      this.emit('stage-started', started);
      if (this.abortReason) return this.rollBack(this.abortReason);
      if (stage.kind === 'retired') return this.retire(report.version);
      const end = await judge!.watch();
      await this.closeJudge();
      if (!end.advance) return this.rollBack(end.reason, end.figures);
      this.emit('advanced', { version: report.version, figures: end.figures, reason: end.reason });
    }
    const reason = 'the last stage held';
    this.emit('completed', { version: this.lastVersion, reason });
    return { status: 'completed', reason };
  }

  /** Retires the current version, and waits (resending) until it is gone from the results. */
  private async retire(version: number): Promise<{ status: 'completed'; reason?: string }> {
    const { candidate, current } = this.models;
    this.retireWatch = new RetireWatch({
      clock: this.clock,
      control: this.options.control,
      model: current,
      version,
      resendEveryMs: 2000,
      timeoutMs: this.resolved.retireWaitMs,
    });
    const r = await this.retireWatch.run();
    this.retireWatch = undefined;
    const sent = `${r.sent} retire${r.sent === 1 ? '' : 's'} sent${r.failed > 0 ? `, ${r.failed} failed` : ''}`;
    const reason = r.gone
      ? `${current} retired: gone from the results ${(r.afterMs / 1000).toFixed(1)} s later (${sent})`
      : `${candidate} serves, but ${current} still takes part ${(r.afterMs / 1000).toFixed(1)} s after its retire (${sent}): stop its workers by hand`;
    this.emit('completed', { version, reason });
    return { status: 'completed', reason };
  }

  /** Publishes the rollback spec (retried: a rollback must get through) and records why. */
  private async rollBack(
    reason: string,
    figures?: GateFigures,
    publish = true,
  ): Promise<{ status: 'rolled-back'; reason: string }> {
    await this.closeJudge();
    if (!publish) {
      this.emit('rolled-back', { reason: `${reason} (nothing was published)`, figures });
      return { status: 'rolled-back', reason };
    }
    try {
      const report = await retryWithBackoff(() => this.publish(rollbackSpec(this.models)), {
        attempts: 5,
        initialDelayMs: 200,
        clock: this.clock,
        isRetryable: () => true,
      });
      this.lastVersion = Math.max(this.lastVersion, report.version);
      this.emit('rolled-back', {
        version: report.version,
        applied: report.applied.length,
        publishMs: report.elapsedMs,
        figures,
        reason,
      });
      return { status: 'rolled-back', reason };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.emit('rolled-back', {
        figures,
        reason: `${reason}; the rollback spec could NOT be published (${why}): publish ${JSON.stringify(rollbackSpec(this.models))} by hand`,
      });
      throw error;
    }
  }

  /**
   * Publishes `spec`, again (as the next version) while fewer front ends than expected (at least
   * one) applied it, up to 3 times: a broadcast can be missed (a listener not positioned yet, a
   * control topic just created), and a front end that missed it runs the previous spec until the
   * next one. The report is the last attempt's, its `elapsedMs` the total.
   */
  private async publish(spec: PolicySpec): Promise<PublishReport> {
    const expect = this.options.expectFrontEnds;
    const startedAt = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      const report = await this.options.control.publish(spec, {
        waitMs: this.resolved.publishWaitMs,
        ...(expect === undefined ? {} : { expect }),
      });
      const enough = report.applied.length >= (expect ?? 1) || report.rejected.length > 0;
      if (enough || attempt >= PUBLISH_ATTEMPTS)
        return attempt === 1 ? report : { ...report, elapsedMs: this.clock.now() - startedAt };
    }
  }

  /** A fresh judge for the stage, before its spec is published (results may come first). */
  private openJudge(stage: Exclude<RolloutStage, { kind: 'retired' }>): StageJudge {
    this.judge = new StageJudge({
      clock: this.clock,
      candidate: this.models.candidate,
      current: this.models.current,
      gate: { ...this.resolved.gate, ...stage.gate },
      ...(this.options.alarms ? { alarms: this.options.alarms } : {}),
      ...(this.options.agree ? { agree: this.options.agree } : {}),
      evaluateEveryMs: this.resolved.evaluateEveryMs,
      reportEveryMs: this.resolved.reportEveryMs,
      onWaiting: (figures, reason) =>
        this.emit('gate-figures', { version: this.judge?.version, figures, reason }),
    });
    return this.judge;
  }

  private async closeJudge(): Promise<void> {
    const judge = this.judge;
    this.judge = undefined;
    await judge?.stop();
  }

  private emit(type: RolloutEvent['type'], fields: EventFields): void {
    const event: RolloutEvent = {
      type,
      rollout: this.id,
      seq: this.events.length,
      candidate: this.models.candidate,
      current: this.models.current,
      stage: this.stage.name,
      stageIndex: this.stage.index,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      at: this.clock.now(),
    };
    this.events.push(event);
    this.archive?.append(event);
    this.subject.next(event);
  }
}
