import { type ArchiveRecord, readJsonlArchive } from '@rendezvous-ml/core';
import { expect, it } from 'vitest';
import { CANONICAL_SAMPLES, EXAMPLE_INPUT, type IrisInput } from '../../src/iris-input.js';
import { BAD_INPUTS, POISON } from './bad-inputs.js';
import { get, type PredictAnswer, poll, postRaw, predict, runConcurrently } from './http.js';

/** A running iris deployment, whatever its transport and process layout. */
export interface IrisDeployment {
  readonly url: string;
  readonly archiveDir: string;
  readonly deadlineMs: number;
  /** Requests published so far, when the test can observe the broker. */
  published?(): number;
  /** Kills the `dt` worker without a graceful stop (a crash). */
  killDt(): Promise<void>;
  /** Logs of the deployment's processes, shown when an assertion fails. */
  diagnostics?(): string;
  /** Graceful shutdown of every role (SIGTERM in multi-process). */
  shutdown(): Promise<void>;
}

/** Options of {@link irisEndToEnd}. */
export interface EndToEndOptions {
  readonly requests?: number;
  readonly concurrency?: number;
  /** Timeout of the slow tests (concurrency, dead model, shutdown). */
  readonly slowTimeoutMs?: number;
}

function expectAnswer(answer: PredictAnswer, input: IrisInput): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.modelInput).toEqual(input);
  expect(typeof answer.body.messageId).toBe('string');
}

/**
 * The end-to-end behaviour every mode of the example must have, through HTTP: `/ping`, the
 * example body, one flower per class, the bad-input list, concurrency, a dead `dt` worker,
 * and complete archives after a graceful shutdown. Call it inside a `describe`; the tests run in
 * order and the last one shuts the deployment down.
 */
export function irisEndToEnd(
  deployment: () => IrisDeployment,
  options: EndToEndOptions = {},
): void {
  const requests = options.requests ?? 1000;
  const concurrency = options.concurrency ?? 50;
  const slow = options.slowTimeoutMs ?? 60_000;
  /** messageId → the model that answered, for every 200. */
  const answered = new Map<string, { model: string; version: string }>();
  /** messageIds of accepted requests that got an error (such as a 504): published all the same. */
  const failed = new Set<string>();
  const record = (a: PredictAnswer): void => {
    if (a.status !== 200) {
      if (a.body?.messageId) failed.add(a.body.messageId);
      return;
    }
    answered.set(a.body.messageId, {
      model: a.body.modelResult.modelName,
      version: a.body.modelResult.modelVersion,
    });
  };

  it('answers GET /ping with {"ping":"pong"}', async () => {
    const answer = await get(deployment().url, '/ping');
    expect(answer).toMatchObject({ status: 200, body: { ping: 'pong' } });
  });

  it('answers the example body with dt, class 2, and says how it decided', async () => {
    const before = Date.now() / 1000;
    const answer = await predict(deployment().url, EXAMPLE_INPUT);
    expectAnswer(answer, EXAMPLE_INPUT);
    record(answer);
    const body = answer.body;
    expect(body.modelResult).toEqual({
      modelName: 'dt',
      modelVersion: '1',
      result: 2,
      label: 'virginica',
    });
    expect(body.timestamp).toBeGreaterThanOrEqual(before - 1);
    expect(body.timestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(body.provenance.policy).toBe('latestVersion');
    expect(body.provenance.reason).toContain('dt@1');
    expect(body.provenance.deadlineMs).toBe(deployment().deadlineMs);
    const dt = body.provenance.candidates.find((c) => c.modelName === 'dt');
    expect(dt).toMatchObject({ modelVersion: '1', status: 'ok', chosen: true, result: 2 });
    expect(dt?.latencyMs).toBeGreaterThanOrEqual(0);
    const lr = body.provenance.candidates.find((c) => c.modelName === 'lr');
    expect(lr).toMatchObject({ modelVersion: '0', chosen: false });
    expect(['ok', 'pending']).toContain(lr?.status);
    // It answers as soon as the highest version has scored, not at the deadline.
    expect(body.provenance.latencyMs).toBeLessThan(deployment().deadlineMs);
  });

  it('names a model version with the same string in /predict and /models', async () => {
    const answer = await predict(deployment().url, EXAMPLE_INPUT);
    expectAnswer(answer, EXAMPLE_INPUT);
    record(answer);
    const models = await get<{ live: { name: string; version: string }[] }>(
      deployment().url,
      '/models',
    );
    expect(models.status).toBe(200);
    const { modelName, modelVersion } = answer.body.modelResult;
    expect(typeof modelVersion).toBe('string');
    expect(models.body.live).toContainEqual({ name: modelName, version: modelVersion });
    for (const c of answer.body.provenance.candidates) expect(typeof c.modelVersion).toBe('string');
  });

  it('classifies one canonical flower of each class', async () => {
    for (const [index, sample] of CANONICAL_SAMPLES.entries()) {
      const answer = await predict(deployment().url, sample.input);
      expectAnswer(answer, sample.input);
      record(answer);
      expect(answer.body.modelResult).toMatchObject({
        modelName: 'dt',
        result: index,
        label: sample.label,
      });
    }
  });

  it('rejects every kind of bad input with a 4xx error body, publishes nothing and stays up', async () => {
    const { url } = deployment();
    const publishedBefore = deployment().published?.();
    for (const bad of BAD_INPUTS) {
      const answer = await postRaw(url, bad.raw, bad.contentType);
      expect({ name: bad.name, status: answer.status, code: answer.body?.error?.code }).toEqual({
        name: bad.name,
        status: bad.status,
        code: bad.code,
      });
      expect(typeof answer.body.error?.message, bad.name).toBe('string');
    }
    if (publishedBefore !== undefined) expect(deployment().published?.()).toBe(publishedBefore);
    expect((await get(url, '/ping')).status).toBe(200);
    const after = await predict(url, CANONICAL_SAMPLES[0]!.input);
    expectAnswer(after, CANONICAL_SAMPLES[0]!.input);
    record(after);
  });

  it(
    `answers ${requests} requests at concurrency ${concurrency}, each with its own input and a unique messageId`,
    async () => {
      const inputs = Array.from({ length: requests }, (_, i) => ({
        sepalLength: 4 + (i % 40) / 10,
        sepalWidth: 2 + Math.floor(i / 40) / 10,
        petalLength: 1 + (i % 7) / 2,
        petalWidth: 0.1 + (i % 5) / 2,
      }));
      const answers = await runConcurrently(requests, concurrency, (i) =>
        predict(deployment().url, inputs[i]),
      );
      for (const answer of answers) record(answer);
      const ids = new Set<string>();
      const byModel: Record<string, number> = {};
      for (const [i, answer] of answers.entries()) {
        expectAnswer(answer, inputs[i]!);
        ids.add(answer.body.messageId);
        const name = answer.body.modelResult.modelName;
        byModel[name] = (byModel[name] ?? 0) + 1;
      }
      expect(ids.size).toBe(requests);
      // Both models are up: dt answers, unless its score misses the deadline (then lr does).
      expect(byModel.dt ?? 0).toBeGreaterThan(0);
      const latencies = answers.map((a) => a.elapsedMs).sort((a, b) => a - b);
      const at = (q: number): number =>
        Math.round(latencies[Math.floor(q * (latencies.length - 1))]!);
      console.info(
        `${requests} requests at concurrency ${concurrency}: answered by ${JSON.stringify(byModel)}, ` +
          `latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
      );
    },
    slow,
  );

  it('serves Prometheus metrics: request counts, latencies, rendezvous stats', async () => {
    const answer = await fetch(`${deployment().url}/metrics`);
    const text = await answer.text();
    expect(answer.status).toBe(200);
    expect(text).toMatch(
      /iris_http_requests_total\{method="POST",route="\/predict",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /iris_http_requests_total\{method="POST",route="\/predict",status="400"\} \d+/,
    );
    expect(text).toContain('iris_http_request_duration_seconds_bucket');
    expect(text).toMatch(/rendezvous_requests_total\{status="answered"\} [1-9]\d*/);
    expect(text).toContain('rendezvous_live_models{model="dt",version="1"} 1');
    expect(text).toMatch(/iris_predictions_total\{model="dt",version="1",label="virginica"\} \d+/);
  });

  it(
    'answers from lr within the deadline once the dt worker is killed, and says so in provenance',
    async () => {
      const { url, deadlineMs } = deployment();
      await deployment().killDt();
      const sample = CANONICAL_SAMPLES[2]!;
      // Right after the crash the front end still believes dt is alive: lr answers at the
      // deadline. Once dt's heartbeats have stopped long enough, lr answers at once.
      const first = await predict(url, sample.input);
      expectAnswer(first, sample.input);
      record(first);
      expect(first.body.modelResult).toMatchObject({ modelName: 'lr', modelVersion: '0' });
      expect(first.elapsedMs).toBeLessThan(deadlineMs + 1000);
      const dtFirst = first.body.provenance.candidates.find((c) => c.modelName === 'dt');
      expect(['pending', 'not-live']).toContain(dtFirst?.status);
      expect(first.body.provenance.candidates.find((c) => c.modelName === 'lr')).toMatchObject({
        status: 'ok',
        chosen: true,
      });
      const later = await poll(
        async () => {
          const a = await predict(url, sample.input);
          // Recorded before it is checked: an answer that fails during the failover (and is
          // retried by the poll) was still published, and the archive checks below count it.
          record(a);
          expectAnswer(a, sample.input);
          const dt = a.body.provenance.candidates.find((c) => c.modelName === 'dt');
          return dt?.status === 'not-live' ? a : undefined;
        },
        'the front end to notice that dt is gone',
        20_000,
      );
      expect(later.body.modelResult).toMatchObject({ modelName: 'lr', modelVersion: '0' });
      expect(later.body.provenance.reason).toContain('lr@0');
      expect(later.body.provenance.latencyMs).toBeLessThan(deadlineMs);
    },
    slow,
  );

  it(
    'has every answered request in decoy/, its chosen score in scores/ and its decision in results/ after a graceful shutdown',
    async () => {
      const { archiveDir } = deployment();
      await deployment().shutdown();
      const decoy = await readJsonlArchive(`${archiveDir}/decoy`);
      const scores = await readJsonlArchive(`${archiveDir}/scores`);
      const results = await readJsonlArchive(`${archiveDir}/results`);
      const inputs = new Set(decoy.map((r) => r.requestId));
      const scored = new Set(scores.map((r) => r.id));
      const missingInputs = [...answered.keys()].filter((id) => !inputs.has(id));
      const missingScores = [...answered].filter(
        ([id, m]) => !scored.has(`${id}:${m.model}@${m.version}`),
      );
      const logs = deployment().diagnostics?.() ?? '';
      expect(
        missingInputs.slice(0, 5),
        `${missingInputs.length} of ${answered.size} inputs missing (${inputs.size} archived)\n${logs}`,
      ).toEqual([]);
      expect(
        missingScores.slice(0, 5),
        `${missingScores.length} of ${answered.size} scores missing (${scores.length} archived)\n${logs}`,
      ).toEqual([]);
      // Nothing but accepted requests was published: no bad input reached the decoy.
      expect([...inputs].filter((id) => !answered.has(id) && !failed.has(id))).toEqual([]);
      const poisoned = (r: ArchiveRecord): boolean => JSON.stringify(r).includes(String(POISON));
      expect(decoy.filter(poisoned)).toEqual([]);
      for (const r of decoy) expect(r.kind).toBe('request');
      for (const r of scores) expect(r.kind).toBe('score');
      // The front end's decisions: one result per request, naming the model the answer named.
      const decided = new Map<string, ArchiveRecord>();
      for (const r of results) {
        expect(r.kind).toBe('result');
        expect(r.id).toBe(r.requestId);
        decided.set(r.id, r);
      }
      const wrongResults = [...answered]
        .map(([id, m]) => {
          const r = decided.get(id);
          const chosen = r?.kind === 'result' ? r.result.chosen?.model : undefined;
          return {
            id,
            expected: `${m.model}@${m.version}`,
            archived: chosen && `${chosen.name}@${chosen.version}`,
          };
        })
        .filter((x) => x.archived !== x.expected);
      expect(
        wrongResults.slice(0, 5),
        `${wrongResults.length} of ${answered.size} results missing or wrong (${results.length} archived)\n${logs}`,
      ).toEqual([]);
      for (const id of failed) {
        const r = decided.get(id);
        expect(r?.kind === 'result' && r.result.status, id).toBe('failed');
      }
    },
    slow,
  );
}
