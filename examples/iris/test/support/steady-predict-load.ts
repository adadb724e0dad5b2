import type { IrisInput } from '../../src/iris-input.js';
import { predict } from './http.js';

/** One `/predict` of a steady load: when it started, how it ended, and which model answered. */
export interface LoadAnswer {
  readonly at: number;
  readonly status: number;
  /** `name@version` of the model that answered (200 only). */
  readonly model?: string;
  readonly error?: string;
}

/** A running open-loop load on `/predict`. */
export interface SteadyPredictLoad {
  readonly answers: readonly LoadAnswer[];
  /** Requests started and not settled yet. */
  readonly inFlight: number;
  /** Stops starting requests and waits for the ones in flight. */
  stop(): Promise<readonly LoadAnswer[]>;
}

/**
 * Starts `rate` requests a second on `url`'s `/predict` (`inputs` in turn), each
 * started on time whatever the others are doing, and records every answer — a network error
 * as status 0. Never a sleep in a test body: the pacing is the load's own.
 */
export function startSteadyPredictLoad(
  url: string,
  rate: number,
  inputs: readonly IrisInput[],
): SteadyPredictLoad {
  const answers: LoadAnswer[] = [];
  const pending = new Set<Promise<void>>();
  const start = Date.now();
  let issued = 0;
  let running = true;
  const one = (i: number): void => {
    const at = Date.now();
    const input = inputs[i % inputs.length]!;
    const p = predict(url, input).then(
      (a) => {
        const r = a.body?.modelResult;
        answers.push({
          at,
          status: a.status,
          ...(a.status === 200 && r ? { model: `${r.modelName}@${r.modelVersion}` } : {}),
          ...(a.status === 200 ? {} : { error: JSON.stringify(a.body) }),
        });
      },
      (e: unknown) => {
        answers.push({ at, status: 0, error: String(e) });
      },
    );
    const tracked = p.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const loop = (async () => {
    while (running) {
      const due = Math.floor(((Date.now() - start) * rate) / 1000) + 1;
      while (issued < due && running) one(issued++);
      const next = start + (issued * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(1, next - Date.now())));
    }
  })();
  return {
    answers,
    get inFlight() {
      return pending.size;
    },
    async stop() {
      running = false;
      await loop;
      while (pending.size > 0) await Promise.all(pending);
      return answers;
    },
  };
}
