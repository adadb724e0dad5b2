import type { RolloutEvent } from './rollout-event.js';
import type { GateFigures } from './rollout-gate.js';

const n = (x: number, digits = 3): string => String(Number(x.toPrecision(digits)));
const ms = (x: number | null): string => (x === null ? '–' : `${n(x)} ms`);
const pct = (x: number): string => `${n(x * 100)}%`;

/**
 * A stage's gate figures in one line: samples, answers by each version, agreement with its
 * interval, p99s, errors and failed requests.
 *
 * @example
 * ```ts
 * figuresLine(event.figures!); // 'n=412 (dt@2 answered 41, dt@1 371) agreement 0.998 [0.987, 1] p99 6.2 ms vs 5.9 ms (1.05×) errors 0% failed 0/412'
 * ```
 */
export function figuresLine(f: GateFigures, candidate = 'candidate', current = 'current'): string {
  const a = f.agreement;
  const agreement =
    a && a.rate !== null ? `agreement ${n(a.rate)} [${n(a.low)}, ${n(a.high)}]` : 'agreement –';
  const ratio = f.p99Ratio === null ? '' : ` (${n(f.p99Ratio)}×)`;
  return [
    `n=${f.samples} (${candidate} answered ${f.chosenCandidate}, ${current} ${f.chosenCurrent})`,
    agreement,
    `p99 ${ms(f.candidateP99Ms)} vs ${ms(f.currentP99Ms)}${ratio}`,
    `errors ${f.errorRate === null ? '–' : pct(f.errorRate)}`,
    `failed ${f.failed}/${f.results}`,
  ].join(' ');
}

const LABEL: Readonly<Record<RolloutEvent['type'], string>> = {
  'stage-started': 'started',
  'gate-figures': 'waiting',
  advanced: 'advanced',
  'rolled-back': 'ROLLED BACK',
  completed: 'COMPLETED',
};

/**
 * One event as the `rendezvous-rollout` CLI prints it: the time since `startedAt`, the stage,
 * what happened, the policy version, the figures and the reason.
 *
 * @example
 * ```ts
 * rollout.events$.subscribe((e) => console.log(eventLine(e, t0)));
 * // [  12.0 s] canary 10%   advanced     v4  n=210 (...) — every threshold met
 * ```
 */
export function eventLine(e: RolloutEvent, startedAt: number): string {
  const t = `[${((e.at - startedAt) / 1000).toFixed(1).padStart(6)} s]`;
  const version = e.version === undefined ? '' : ` v${e.version}`;
  const parts = [`${t} ${e.stage.padEnd(11)} ${LABEL[e.type].padEnd(11)}${version}`];
  if (e.type === 'stage-started' || (e.type === 'rolled-back' && e.applied !== undefined))
    parts.push(`applied by ${e.applied ?? 0} front end(s) in ${e.publishMs ?? 0} ms`);
  if (e.figures) parts.push(figuresLine(e.figures, e.candidate, e.current));
  const line = parts.join('  ');
  return e.reason ? `${line} — ${e.reason}` : line;
}
