import { type ConformanceBrokerSpec, openConformanceBroker } from './conformance-broker.js';
import { ConformanceSession } from './conformance-session.js';
import { type CheckState, WORKER_CHECKS } from './worker-conformance-checks.js';

/**
 * What {@link runWorkerConformance} runs: a worker command line against a real broker.
 *
 * @example
 * ```ts
 * const options: WorkerConformanceOptions = {
 *   broker: { transport: 'redis', url: 'redis://127.0.0.1:6379' },
 *   cmd: 'python3 examples/echo_worker.py',
 * };
 * ```
 */
export interface WorkerConformanceOptions {
  readonly broker: ConformanceBrokerSpec;
  /** The worker's command line, run with `sh -c` (its settings come in RENDEZVOUS_* variables). */
  readonly cmd: string;
  readonly cwd?: string;
  /** The model version it serves. Default `echo@1`. */
  readonly model?: { readonly name: string; readonly version: string };
  /** Key or topic prefix of this run. Default: a fresh one, so runs never see each other. */
  readonly prefix?: string;
  /** Longest a worker may take to announce itself. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Called with each check's outcome as it ends. */
  readonly onCheck?: (check: CheckOutcome) => void;
}

/**
 * The outcome of one check: passed, failed with a reason, or not run (after an essential one failed).
 */
export interface CheckOutcome {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'not run';
  readonly reason?: string;
  readonly ms: number;
}

/**
 * The result of a conformance run.
 *
 * @example
 * ```ts
 * const report = await runWorkerConformance(options);
 * if (!report.ok) console.log(formatConformanceReport(report));
 * ```
 */
export interface WorkerConformanceReport {
  readonly ok: boolean;
  readonly checks: readonly CheckOutcome[];
}

/**
 * Starts the worker given by a command line against a real broker and a TypeScript front end's
 * side, and checks the rules of docs/protocol.md: valid heartbeats, probe answers, schema-valid
 * scores at the return address, error scores, acknowledgements, deadline skipping, dead letters,
 * a Rendezvous round trip, group sharing with a TypeScript member, graceful leave on SIGTERM and
 * redelivery after a kill. The worker must serve an echo model: output = input, an error for
 * `{"fail": true}`, a sleep of `sleepMs` ms when given.
 *
 * @example
 * ```ts
 * const report = await runWorkerConformance({
 *   broker: { transport: 'kafka', brokers: '127.0.0.1:9092' },
 *   cmd: 'python3 -u examples/echo_worker.py',
 * });
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function runWorkerConformance(
  options: WorkerConformanceOptions,
): Promise<WorkerConformanceReport> {
  const separator = options.broker.transport === 'redis' ? ':' : '.';
  const prefix =
    options.prefix ??
    `wc${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${separator}`;
  const broker = await openConformanceBroker(options.broker, prefix);
  const session = new ConformanceSession(broker, {
    cmd: options.cmd,
    cwd: options.cwd,
    model: options.model ?? { name: 'echo', version: '1' },
    heartbeatMs: 5000,
  });
  const state: CheckState = { instance: '', startTimeoutMs: options.startTimeoutMs ?? 30_000 };
  const checks: CheckOutcome[] = [];
  const record = (c: CheckOutcome): void => {
    checks.push(c);
    options.onCheck?.(c);
  };
  try {
    await session.open();
    let blocked: string | undefined;
    for (const check of WORKER_CHECKS) {
      if (blocked) {
        record({ name: check.name, status: 'not run', reason: `'${blocked}' failed`, ms: 0 });
        continue;
      }
      const start = Date.now();
      try {
        await check.run(session, state);
        record({ name: check.name, status: 'passed', ms: Date.now() - start });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        record({ name: check.name, status: 'failed', reason, ms: Date.now() - start });
        if (check.essential) blocked = check.name;
      }
    }
  } finally {
    await session.close();
    await broker.close();
  }
  return { ok: checks.every((c) => c.status === 'passed'), checks };
}

/**
 * One line per check: `✓ name (ms)`, `✗ name: reason`, `- name: not run (...)`.
 *
 * @example
 * ```ts
 * console.log(formatConformanceReport(await runWorkerConformance(options)));
 * ```
 */
export function formatConformanceReport(report: WorkerConformanceReport): string {
  const lines = report.checks.map((c) => formatCheck(c));
  const passed = report.checks.filter((c) => c.status === 'passed').length;
  lines.push(`${report.ok ? 'PASS' : 'FAIL'}: ${passed} of ${report.checks.length} checks passed`);
  return lines.join('\n');
}

/**
 * One check as a line.
 *
 * @example
 * ```ts
 * formatCheck({ name: 'x', status: 'passed', ms: 12 }); // '✓ x (12 ms)'
 * ```
 */
export function formatCheck(c: CheckOutcome): string {
  if (c.status === 'passed') return `✓ ${c.name} (${c.ms} ms)`;
  if (c.status === 'failed') return `✗ ${c.name}: ${c.reason}`;
  return `- ${c.name}: not run (${c.reason})`;
}
