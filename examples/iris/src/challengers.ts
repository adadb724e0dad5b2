import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DecisionTreeClassifier, type DecisionTreeClassifierModel } from 'ml-cart';
import {
  accuracy,
  DEFAULT_SEED,
  irisSplit,
  modelFile,
  type SavedIrisModel,
  saveIrisModels,
} from './iris-models.js';

/**
 * The models of the evaluation walk-through, trained next to `dt.json` and `lr.json`:
 * - `dt@2`, the challenger: a shallower decision tree (depth 3, at least 5 flowers per split)
 *   on the same split as `dt@1`; as accurate on the held-out flowers, it differs from `dt@1` on
 *   a few borderline versicolor/virginica inputs;
 * - `bad@1`, deliberately poor: a decision stump (one split), which can tell setosa from the
 *   rest but not versicolor from virginica. Replay and the scorecard should catch it at once.
 */
export const CHALLENGERS = {
  dt: { version: 2, algorithm: 'decision tree (ml-cart, gini, depth 3, 5+ samples per split)' },
  bad: { version: 1, algorithm: 'decision stump (ml-cart, depth 1)' },
} as const;

/** The references of the challengers, as the CLI and `SHADOW` take them. */
export const CHALLENGER_REFS = ['dt@2', 'bad@1'] as const;

function tree(options: { maxDepth: number; minNumSamples: number }) {
  return new DecisionTreeClassifier({ gainFunction: 'gini', ...options });
}

/**
 * Trains `dt@2` and `bad@1` on the seeded split of `trainIrisModels` (so their held-out
 * accuracy compares with `dt@1`'s). Pure and deterministic: the same seed gives byte-identical models.
 *
 * @example
 * ```ts
 * const [dt2, bad] = await trainChallengers(42);
 * console.log(dt2.heldOutAccuracy, bad.heldOutAccuracy); // 0.9333 0.5667
 * ```
 */
export async function trainChallengers(
  seed: number = DEFAULT_SEED,
): Promise<[SavedIrisModel, SavedIrisModel]> {
  const { xTrain, yTrain, xTest, yTest, common } = await irisSplit(seed);
  const trained = (name: 'dt' | 'bad', model: ReturnType<typeof tree>): SavedIrisModel => {
    model.train(xTrain, yTrain);
    return {
      ...common,
      name,
      version: CHALLENGERS[name].version,
      algorithm: CHALLENGERS[name].algorithm,
      heldOutAccuracy: accuracy(model.predict(xTest), yTest),
      model: JSON.parse(JSON.stringify(model.toJSON())) as DecisionTreeClassifierModel,
    };
  };
  return [
    trained('dt', tree({ maxDepth: 3, minNumSamples: 5 })),
    trained('bad', tree({ maxDepth: 1, minNumSamples: 3 })),
  ];
}

/**
 * Trains the challengers with `seed` and saves them under `dir` as `dt@2.json` and `bad@1.json`.
 *
 * @example
 * ```ts
 * await trainAndSaveChallengers('examples/iris/models', 42);
 * ```
 */
export async function trainAndSaveChallengers(
  dir: string,
  seed: number = DEFAULT_SEED,
): Promise<[SavedIrisModel, SavedIrisModel]> {
  return saveIrisModels(dir, await trainChallengers(seed));
}

/** Whether both challenger files are under `dir`. */
export async function challengersPresent(dir: string): Promise<boolean> {
  try {
    await Promise.all(
      (['dt', 'bad'] as const).map((name) =>
        access(join(dir, modelFile({ name, version: CHALLENGERS[name].version }))),
      ),
    );
    return true;
  } catch {
    return false;
  }
}
