import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PolicyController } from '@rendezvous-ml/core';
import {
  DEFAULT_STAGES,
  Rollout,
  type RolloutEvent,
  type RolloutGate,
  resultsFromStream,
} from '@rendezvous-ml/rollout';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { readConfig } from '../../examples/iris/src/config.js';
import { irisLoad } from '../../examples/iris/src/load.js';
import { transportFactory } from '../../examples/iris/src/transports.js';
import { type ArchiveCheck, compareArchive, readArchive } from './archive-check.js';
import { startIrisDeployment } from './iris-deployment.js';
import { ProcessCpu } from './process-cpu.js';
import {
  type AnswerRecord,
  applyAllMs,
  type DecidedRecord,
  perSecond,
  type SecondBucket,
  type Segment,
  type SegmentFigures,
  segmentFigures,
  versionsText,
} from './rollout-figures.js';
import { type LoadSummary, SettlementTracker } from './settlement-tracker.js';
import { sleep, startLoad } from './steady-load.js';
import { type Published, timedControl } from './timed-control.js';
import { untilAnswering } from './until-answering.js';

/** How one rollout run goes. */
export interface RolloutRunOptions {
  readonly broker: 'redis' | 'kafka';
  /** Redis URL (broker `redis`) or Kafka bootstrap servers (broker `kafka`). */
  readonly address: string;
  /** Requests a second, spread over both front ends. */
  readonly rate: number;
  /** Load before the steady state, not measured (a process that just started is slow). */
  readonly warmupMs: number;
  /** Load before the rollout starts: the steady state the stages are compared with. */
  readonly steadyMs: number;
  /** Load after the rollback, before it stops. */
  readonly tailMs: number;
  /** Gate of every stage (both rollouts). */
  readonly gate: Partial<RolloutGate>;
  /** Unique per run: consumer groups of the harness. */
  readonly tag: string;
  readonly log: (message: string) => void;
  /**
   * Time both rollouts may take together (default 10 minutes). Past it the running rollout is
   * aborted (it rolls back), the next one is not started, and the run records a failure, so a
   * saturated system ends the run instead of holding it for `stages × maxStageMs`.
   */
  readonly rolloutBudgetMs?: number;
  /** Registers a cleanup that must run even if the run is abandoned (chaos time limit). */
  readonly defer?: (cleanup: () => Promise<unknown>) => void;
}

/** Everything a rollout run measured. */
export interface RolloutRunFigures {
  readonly broker: 'redis' | 'kafka';
  readonly rate: number;
  readonly load: LoadSummary;
  /** The warm-up, the steady state, then one segment per published policy version. */
  readonly segments: readonly SegmentFigures[];
  readonly timeline: readonly SecondBucket[];
  /** How each rollout ended: `dt@2 completed (dt@1 retired)`, `bad@1 rolled-back (...)`. */
  readonly outcomes: readonly {
    readonly candidate: string;
    readonly status: string;
    readonly reason: string;
  }[];
  /** Every rollout event, `at` in ms since the load started. */
  readonly events: readonly { readonly t: number; readonly line: string }[];
  /** Answers by the bad version (it must never answer). */
  readonly badAnswers: number;
  /** Answers by dt@1 to requests sent after every front end applied the `retired` stage. */
  readonly oldAfterRetired: number;
  readonly archives: readonly ArchiveCheck[];
  /** What went against the bar (0 failed requests, the expected outcomes), in words. */
  readonly failures: readonly string[];
}

const label = (e: RolloutEvent) =>
  e.type === 'rolled-back' ? `${e.candidate} rolled back` : `${e.candidate} ${e.stage}`;

/**
 * The measured rollout: the multi-process iris system (decoy, archiver, dt@1, lr@0, dt@2 and
 * bad@1 workers, two front ends listening on the control channel) under a steady open-loop
 * load spread over both front ends; after `steadyMs`, a full `Rollout` of dt@2 (shadow, canary
 * 1% / 10% / 50%, promoted, dt@1 retired), then a rollout of bad@1 over it, which must roll
 * back. Records every answer (version, latency), each publish and when each front end applied
 * it, the first result decided under each version, and the CPU of the system's processes.
 *
 * @example
 * ```ts
 * const figures = await runRolloutUnderLoad({
 *   broker: 'redis', address: url, rate: 200, steadyMs: 5000, tailMs: 2000,
 *   gate: { minSamples: 200, minStageMs: 2000 }, tag: 'bench-1', log: console.log,
 * });
 * console.log(figures.load.failed, figures.segments.map((s) => s.p99Ms));
 * ```
 */
export async function runRolloutUnderLoad(o: RolloutRunOptions): Promise<RolloutRunFigures> {
  const env: Record<string, string> =
    o.broker === 'redis'
      ? { RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: o.address }
      : { RENDEZVOUS_TRANSPORT: 'kafka', KAFKA_BROKERS: o.address };
  if (o.broker === 'redis') {
    // The iris streams have a fixed prefix: every run starts from an empty Redis.
    const admin = new Redis(o.address);
    await admin.flushall();
    admin.disconnect();
  }
  const deadlineMs = o.broker === 'redis' ? 1000 : 2000;
  const t0 = Date.now();
  const deployment = await startIrisDeployment(
    { ...env, SHADOW: 'dt@2,bad@1' },
    { deadlineMs, frontEnds: 2, workers: ['dt@2', 'bad@1'] },
  );
  let stopped: Promise<string[]> | undefined;
  const stopDeployment = () => (stopped ??= deployment.stop());
  o.defer?.(stopDeployment);
  o.defer?.(() => rm(deployment.archiveDir, { recursive: true, force: true }));
  await untilAnswering(deployment, deadlineMs);
  o.log(`${o.broker}: system up and answering in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const transport = await transportFactory(readConfig(env), pino({ level: 'silent' }))();
  const controller = new PolicyController({ transport });
  const reports: { instance: string; version: number; at: number }[] = [];
  const decided: { version: number; at: number; deadline: boolean }[] = [];
  const frontEndLatencies: DecidedRecord[] = [];
  const subscriptions = [
    controller.events$.subscribe((m) => {
      if (m.kind === 'applied' && m.version !== undefined)
        reports.push({ instance: m.instance, version: m.version, at: Date.now() });
    }),
    resultsFromStream({ transport, group: `observer-${o.tag}` }).subscribe((r) => {
      frontEndLatencies.push({ startedAt: r.startedAt, latencyMs: r.latencyMs });
      if (r.decidedBy.policyVersion !== undefined)
        decided.push({
          version: r.decidedBy.policyVersion,
          at: r.decidedAt,
          deadline: r.decidedBy.trigger === 'deadline',
        });
    }),
  ];
  const records: AnswerRecord[] = [];
  const tracker = new SettlementTracker();
  const cpu = new ProcessCpu(() => deployment.pids());
  const cpuTimer = setInterval(() => cpu.total(), 1000);
  const published: Published[] = [];
  const retired: { at?: number } = {};
  const events: RolloutEvent[] = [];
  const outcomes: { candidate: string; status: string; reason: string }[] = [];
  const failures: string[] = [];
  let loadStart = 0;
  let loadEnd = 0;
  let cpuStart = 0;
  let steadyStart = 0;
  let cpuSteady = 0;
  let cpuEnd = 0;
  let budgetTimer: NodeJS.Timeout | undefined;
  try {
    await controller.start();
    // On Kafka the controller's subscription can start after its query: the front ends'
    // periodic reports (every 5 s) then make them known.
    for (const until = Date.now() + 30_000; controller.frontEnds().length < 2; ) {
      if (Date.now() > until) break;
      await sleep(200);
    }
    const frontEnds = controller.frontEnds().map((f) => f.instance);
    if (frontEnds.length < 2)
      throw new Error(
        `${frontEnds.length} of 2 front ends answered on the control channel: the iris front end must run with control: true (waited 30 s)`,
      );
    const control = timedControl(controller, cpu, published, retired);
    const inputs = await irisLoad({ count: 2000, seed: 5 });
    loadStart = Date.now();
    cpuStart = cpu.total();
    const load = startLoad({
      rate: o.rate,
      deadlineMs,
      tracker,
      call: async (i) => {
        const sentAt = Date.now();
        const started = performance.now();
        const outcome = await deployment.call(i, inputs[i % inputs.length]);
        const latencyMs = performance.now() - started;
        // As the tracker counts it: an answer after the deadline + 1 s is a hung request.
        const hung = latencyMs > deadlineMs + 1000;
        records.push(
          outcome.ok && !hung
            ? { sentAt, latencyMs, answer: `${outcome.model}@${outcome.version ?? '?'}` }
            : { sentAt, latencyMs, failed: outcome.ok ? 'HUNG' : outcome.code },
        );
        return outcome;
      },
    });
    try {
      await sleep(o.warmupMs);
      steadyStart = Date.now();
      cpuSteady = cpu.total();
      await sleep(o.steadyMs);
      const budgetMs = o.rolloutBudgetMs ?? 600_000;
      let active: Rollout | undefined;
      let overBudget = false;
      budgetTimer = setTimeout(() => {
        overBudget = true;
        failures.push(`the rollouts did not finish within ${budgetMs} ms`);
        active?.abort(`the run's rollout budget of ${budgetMs} ms is spent`);
      }, budgetMs);
      const rollOut = async (candidate: string, current: string, retire: boolean) => {
        if (overBudget) return { status: 'not-started', reason: 'the rollout budget is spent' };
        const rollout = new Rollout({
          candidate,
          current,
          keep: ['lr'],
          control,
          results: resultsFromStream({ transport, group: `rollout-${o.tag}-${candidate}` }),
          stages: retire ? DEFAULT_STAGES : DEFAULT_STAGES.filter((s) => s.kind !== 'retired'),
          gate: o.gate,
          expectFrontEnds: 2,
          evaluateEveryMs: 250,
        });
        rollout.events$.subscribe((e) => {
          events.push(e);
          if (e.type !== 'gate-figures')
            o.log(`${o.broker}: ${e.type} ${label(e)}${e.reason ? ` (${e.reason})` : ''}`);
        });
        active = rollout;
        const outcome = await rollout.run();
        active = undefined;
        outcomes.push({ candidate, status: outcome.status, reason: outcome.reason ?? '' });
        return outcome;
      };
      const first = await rollOut('dt@2', 'dt@1', true);
      if (first.status !== 'completed')
        failures.push(`the rollout of dt@2 did not complete: ${first.reason}`);
      else if (!overBudget) {
        const second = await rollOut('bad@1', 'dt@2', false);
        if (second.status !== 'rolled-back') failures.push('bad@1 was not rolled back');
      }
      await sleep(o.tailMs);
    } finally {
      clearTimeout(budgetTimer);
      await load.stop();
      loadEnd = Date.now();
      cpuEnd = cpu.total();
    }
    await tracker.drain();
    await sleep(1000); // the last results reach the observer
  } finally {
    clearInterval(cpuTimer);
    for (const s of subscriptions) s.unsubscribe();
    await controller.stop();
    await transport.close();
    const late = await stopDeployment();
    failures.push(...late.filter((l) => !l.startsWith('dt ')));
  }
  const frontEnds = [...new Set(reports.map((r) => r.instance))];
  const labels = new Map<number, string>();
  for (const e of events)
    if ((e.type === 'stage-started' || e.type === 'rolled-back') && e.version !== undefined)
      labels.set(e.version, label(e));
  const segments: Segment[] = [
    {
      label: 'warm-up',
      from: loadStart,
      to: steadyStart || loadEnd,
      cpuFrom: cpuStart,
      cpuTo: cpuSteady || cpuEnd,
    },
    {
      label: 'steady state',
      from: steadyStart || loadEnd,
      to: published[0]?.startedAt ?? loadEnd,
      cpuFrom: cpuSteady || cpuEnd,
      cpuTo: published[0]?.cpu ?? cpuEnd,
    },
    ...published.map((p, i): Segment => {
      const all = applyAllMs(reports, frontEnds, p.version, p.startedAt);
      const firstAt = decided.find((d) => d.version === p.version)?.at;
      return {
        label: labels.get(p.version) ?? `version ${p.version}`,
        from: p.startedAt,
        to: published[i + 1]?.startedAt ?? loadEnd,
        cpuFrom: p.cpu,
        cpuTo: published[i + 1]?.cpu ?? cpuEnd,
        version: p.version,
        publishMs: p.elapsedMs,
        ...(all === undefined ? {} : { applyAllMs: all }),
        ...(firstAt === undefined ? {} : { firstAnswerMs: Math.max(0, firstAt - p.startedAt) }),
        deadlineDecisions: decided.filter((d) => d.version === p.version && d.deadline).length,
      };
    }),
  ];
  const figures = segmentFigures(records, segments, frontEndLatencies);
  for (const f of figures)
    o.log(
      `${o.broker}: ${f.label}: ${f.sent} sent, ${f.failed} failed, p99 ${f.p99Ms.toFixed(1)} ms (front ends ${f.frontEndP99Ms?.toFixed(1) ?? '–'} ms), ${versionsText(f.byVersion)}` +
        (f.version === undefined
          ? ''
          : `; v${f.version} applied by all in ${f.applyAllMs ?? '–'} ms, first answer ${f.firstAnswerMs ?? '–'} ms`),
    );
  const load = tracker.summary();
  const failedCount = Object.values(load.failed).reduce((a, b) => a + b, 0);
  if (failedCount > 0) failures.push(`${failedCount} failed requests`);
  const badAnswers = records.filter((r) => r.answer === 'bad@1').length;
  if (badAnswers > 0) failures.push(`bad@1 answered ${badAnswers} requests`);
  const retiredStage = published.find((p) => labels.get(p.version) === 'dt@2 retired');
  const retiredAt = retiredStage
    ? retiredStage.startedAt +
      (applyAllMs(reports, frontEnds, retiredStage.version, retiredStage.startedAt) ?? 0)
    : Number.POSITIVE_INFINITY;
  const archives: ArchiveCheck[] = [];
  for (const name of ['decoy', 'scores'])
    archives.push(
      compareArchive(
        name,
        await readArchive(join(deployment.archiveDir, name)),
        tracker.answeredIds(),
      ),
    );
  return {
    broker: o.broker,
    rate: o.rate,
    load,
    segments: figures,
    timeline: perSecond(records, loadStart),
    outcomes,
    events: events
      .filter((e) => e.type !== 'gate-figures')
      .map((e) => ({
        t: e.at - loadStart,
        line: `${e.type} ${label(e)}${e.version === undefined ? '' : ` v${e.version}`}${e.reason ? `: ${e.reason}` : ''}`,
      })),
    badAnswers,
    oldAfterRetired: records.filter((r) => r.sentAt > retiredAt && r.answer === 'dt@1').length,
    archives,
    failures,
  };
}
