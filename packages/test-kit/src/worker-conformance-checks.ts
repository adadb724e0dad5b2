import { isDeepStrictEqual } from 'node:util';
import { latestVersion, ModelWorker, Rendezvous } from '@rendezvous-ml/core';
import { ConformanceFailure, type ConformanceSession } from './conformance-session.js';

/**
 * One rule a foreign worker must follow; `essential` ones stop the run when they fail.
 */
export interface WorkerCheck {
  readonly name: string;
  readonly essential?: boolean;
  run(session: ConformanceSession, state: CheckState): Promise<void>;
}

/**
 * What checks learn and pass on: the instance id of the worker serving now.
 */
export interface CheckState {
  instance: string;
  startTimeoutMs: number;
}

const instanceOf = (value: Record<string, unknown> | undefined): string =>
  String((value?.model as { instance?: unknown } | undefined)?.instance ?? '');

async function waitForAlive(
  s: ConformanceSession,
  since: number,
  timeoutMs: number,
  not?: string,
): Promise<string> {
  await s.until(
    () => s.heartbeatsOf('alive', since).some((h) => instanceOf(h.value) !== not),
    timeoutMs,
    () => {
      const invalid = s.heartbeats.filter((h) => h.invalid && h.at >= since);
      if (invalid.length > 0)
        return `${invalid.length} heartbeat(s) fail heartbeat.schema.json, and front ends drop them silently, so the model never becomes live: ${invalid[0]!.invalid}; payload ${invalid[0]!.payload.slice(0, 300)}`;
      return `no valid 'alive' heartbeat for ${s.group.slice(6)} on the heartbeats channel within ${timeoutMs} ms${s.exitNote()}`;
    },
  );
  return instanceOf(s.heartbeatsOf('alive', since).find((h) => instanceOf(h.value) !== not)?.value);
}

function expectScore(
  score: Record<string, unknown>,
  s: ConformanceSession,
  state: CheckState,
): void {
  const m = score.model as { name: string; version: string; instance: string };
  const { name, version } = s.options.model;
  if (m.name !== name || m.version !== version)
    throw new ConformanceFailure(
      `the score names model ${m.name}@${m.version}, expected ${name}@${version}`,
    );
  if (m.instance !== state.instance)
    throw new ConformanceFailure(
      `the score names instance '${m.instance}', but the heartbeats name '${state.instance}'`,
    );
}

/** Waits until `group` holds nothing unacknowledged; fails with `why(left)`. */
async function allAcknowledged(
  s: ConformanceSession,
  why: (left: number) => string,
): Promise<void> {
  let left = -1;
  await s.until(
    async () => {
      left = await s.broker.unacknowledged(s.group);
      return left === 0;
    },
    10_000,
    () => why(left),
  );
}

/**
 * The checks of docs/protocol.md, in the order they run. The worker must serve an echo model
 * (output = input), fail for `{"fail": true}`, and sleep `sleepMs` when asked.
 *
 * @example
 * ```ts
 * console.log(WORKER_CHECKS.map((c) => c.name));
 * ```
 */
export const WORKER_CHECKS: readonly WorkerCheck[] = [
  {
    name: 'announces itself with a valid alive heartbeat',
    essential: true,
    run: async (s, state) => {
      s.startWorker();
      state.instance = await waitForAlive(s, 0, state.startTimeoutMs);
    },
  },
  {
    name: 'answers every probe at once',
    run: async (s, state) => {
      for (let i = 1; i <= 3; i++) {
        const at = Date.now();
        await s.probe();
        await s.until(
          () => s.heartbeatsOf('alive', at, state.instance).length > 0,
          1500,
          () =>
            `probe ${i} of 3: no 'alive' within 1500 ms (a worker answers each probe at once; front ends discover models in 300 ms)`,
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  },
  {
    name: 'sends schema-valid scores to the return address',
    essential: true,
    run: async (s, state) => {
      const inputs = [0, 1, 2, 3, 4].map((i) => ({
        i,
        values: [i, i / 2, 'x', null],
        nested: { ok: true },
      }));
      const ids = await Promise.all(inputs.map((x) => s.request(x)));
      for (const [i, id] of ids.entries()) {
        const score = await s.score(id, 15_000);
        expectScore(score, s, state);
        if (score.ok !== true || !isDeepStrictEqual(score.output, inputs[i]))
          throw new ConformanceFailure(
            `the echo model answered ${JSON.stringify(score).slice(0, 300)} to ${JSON.stringify(inputs[i])}`,
          );
      }
    },
  },
  {
    name: 'sends an error score when predict fails',
    run: async (s, state) => {
      const score = await s.score(await s.request({ fail: true }), 10_000);
      expectScore(score, s, state);
      if (score.ok !== false)
        throw new ConformanceFailure(
          'predict raised for {"fail": true}, but the score says ok: send ok:false with error {code, message}',
        );
    },
  },
  {
    name: 'acknowledges every request it answered',
    run: async (s) => {
      await allAcknowledged(
        s,
        (left) =>
          `${left} request(s) still unacknowledged in group ${s.group} 10 s after their scores (ack after the score is sent: XACK on Redis, commit the offset on Kafka)`,
      );
    },
  },
  {
    name: 'skips a request past its deadline, and acknowledges it',
    run: async (s) => {
      const expired = await s.request({ expired: true }, -1);
      const next = await s.score(await s.request({ after: true }), 10_000);
      if (next.ok !== true)
        throw new ConformanceFailure('the request after the expired one failed');
      await new Promise((r) => setTimeout(r, 1000));
      if (s.repliesFor(expired).length > 0)
        throw new ConformanceFailure(
          'the worker scored a request whose deadline had passed (never predict past a deadline)',
        );
      await allAcknowledged(
        s,
        (left) =>
          `the expired request was not acknowledged (${left} unacknowledged): skip it, then ack it`,
      );
    },
  },
  {
    name: 'dead-letters an invalid request, and acknowledges it',
    run: async (s) => {
      const payload = '{"v":1,"id":';
      await s.publishRaw(payload);
      await s.until(
        () => s.deadLetters.some((d) => d.value?.payload === payload),
        10_000,
        () =>
          `no dead letter for the unparsable request '${payload}' on the dead-letter stream within 10 s`,
      );
      const record = s.deadLetters.find((d) => d.value?.payload === payload)!;
      if (record.invalid)
        throw new ConformanceFailure(
          `the dead letter fails dead-letter.schema.json: ${record.invalid}`,
        );
      const code = (record.value?.reason as { code?: string } | undefined)?.code;
      if (code !== 'INVALID_ENVELOPE')
        throw new ConformanceFailure(
          `the dead letter's reason.code is '${code}', expected INVALID_ENVELOPE`,
        );
      await s.until(
        async () => (await s.broker.unacknowledged(s.group)) === 0,
        10_000,
        () => 'the invalid request was not acknowledged',
      );
    },
  },
  {
    name: 'serves a TypeScript Rendezvous front end',
    run: async (s) => {
      const rendezvous = new Rendezvous({
        transport: s.broker.transport(),
        policy: latestVersion(),
        deadlineMs: 8000,
      });
      await rendezvous.start();
      try {
        const { name, version } = s.options.model;
        // A front end's own listener may join after its discovery probes (Kafka), so allow one
        // heartbeat period for the worker to become live.
        await s.until(
          () => rendezvous.registry.live().some((m) => m.name === name && m.version === version),
          s.options.heartbeatMs + 2000,
          () =>
            `a new front end did not see ${name}@${version} live within one heartbeat period (${s.options.heartbeatMs} ms) and 2 s`,
        );
        const result = await rendezvous.request({ through: 'rendezvous' });
        if (!isDeepStrictEqual(result.chosen?.output, { through: 'rendezvous' }))
          throw new ConformanceFailure(
            `the front end answered ${JSON.stringify(result).slice(0, 300)}`,
          );
        const stats = rendezvous.stats();
        if (stats.invalidScores > 0)
          throw new ConformanceFailure(
            `${stats.invalidScores} score(s) were rejected by the front end`,
          );
      } finally {
        await rendezvous.stop();
      }
    },
  },
  {
    name: 'shares its group with a TypeScript instance of the same version',
    run: async (s, state) => {
      const transport = s.broker.transport();
      const ts = new ModelWorker({
        transport,
        model: { ...s.options.model, instance: 'typescript-member' },
        predict: (x) => x,
      });
      await ts.start();
      try {
        const by = new Set<string>();
        const start = Date.now();
        while (!(by.has('typescript-member') && by.has(state.instance))) {
          if (Date.now() - start > 40_000)
            throw new ConformanceFailure(
              `in 40 s only ${[...by].join(', ') || 'nobody'} answered: the two members of ${s.group} never shared the requests (on Kafka both clients need a common partition assignment protocol)`,
            );
          const ids = await Promise.all(
            Array.from({ length: 16 }, (_, i) => s.request({ share: i })),
          );
          for (const id of ids) {
            const score = await s.score(id, 20_000).catch(() => undefined);
            if (score) by.add(instanceOf(score));
          }
        }
      } finally {
        await ts.stop();
      }
    },
  },
  {
    name: 'on SIGTERM says leaving, finishes what it started, and exits',
    run: async (s, state) => {
      const worker = s.workers[s.workers.length - 1]!;
      // Same key, same partition: once the quick one is answered, the slow one was read before
      // it and is being predicted (a request not started yet may rightly be handed back).
      const key = `sigterm-${Date.now()}`;
      const id = await s.request({ sleepMs: 1500 }, 20_000, key);
      await s.score(await s.request({ quick: true }, 10_000, key), 10_000);
      const at = Date.now();
      const exited = worker.kill('SIGTERM', 20_000);
      await s.until(
        () => s.heartbeatsOf('leaving', at, state.instance).length > 0,
        3000,
        () =>
          "no valid 'leaving' heartbeat within 3 s of SIGTERM (front ends would wait for it until it ages out)",
      );
      const score = await s.score(id, 10_000).catch((e: Error) => {
        throw new ConformanceFailure(
          `the prediction in flight at SIGTERM was not finished and answered: ${e.message}`,
        );
      });
      if (score.ok !== true)
        throw new ConformanceFailure('the prediction in flight at SIGTERM did not succeed');
      if (!(await exited))
        throw new ConformanceFailure('the worker did not exit within 20 s of SIGTERM');
      if (worker.exitCode !== 0)
        throw new ConformanceFailure(
          `the worker exited with ${worker.exitCode} after SIGTERM: ${worker.output().slice(-800)}`,
        );
    },
  },
  {
    name: 'a request held by a killed worker is redelivered to another',
    run: async (s, state) => {
      const victim = s.startWorker();
      const since = Date.now();
      const first = await waitForAlive(s, since, state.startTimeoutMs, state.instance);
      const id = await s.request({ sleepMs: 2500 }, 60_000);
      await new Promise((r) => setTimeout(r, 1000));
      await victim.kill('SIGKILL');
      s.startWorker();
      const second = await waitForAlive(s, Date.now(), state.startTimeoutMs, first);
      const score = await s.score(id, 50_000);
      if (instanceOf(score) !== second)
        throw new ConformanceFailure(
          `the request was answered by '${instanceOf(score)}', expected the new worker '${second}'`,
        );
      state.instance = second;
    },
  },
];
