import type { Logger } from 'pino';
import { challengersPresent, trainAndSaveChallengers } from './challengers.js';
import {
  DEFAULT_MODELS_DIR,
  DEFAULT_SEED,
  modelsPresent,
  type SavedIrisModel,
  trainAndSave,
} from './iris-models.js';

/**
 * Trains both models with `seed`, saves them under `dir` and prints their held-out accuracy.
 *
 * @example
 * ```ts
 * await train({ dir: 'examples/iris/models', seed: 42 });
 * ```
 */
export async function train(
  options: { dir?: string; seed?: number; print?: (line: string) => void } = {},
): Promise<[SavedIrisModel, SavedIrisModel]> {
  const dir = options.dir ?? DEFAULT_MODELS_DIR;
  const seed = options.seed ?? DEFAULT_SEED;
  const print = options.print ?? ((line: string) => console.log(line));
  // Progress on stderr (the summary below is the output), unless the caller prints elsewhere.
  if (!options.print)
    process.stderr.write(
      `training dt@1 (decision tree) and lr@0 (logistic regression), seed ${seed} ...\n`,
    );
  const started = Date.now();
  const models = await trainAndSave(dir, seed);
  print(`Trained the iris models with seed ${seed} in ${Date.now() - started} ms:`);
  for (const m of models) {
    const role = m.name === 'dt' ? 'production' : 'canary baseline';
    print(
      `  ${m.name}@${m.version} (${role}, ${m.algorithm}): ` +
        `held-out accuracy ${(m.heldOutAccuracy * 100).toFixed(1)}% on ${m.testSize} flowers ` +
        `(trained on ${m.trainSize}) -> ${dir}/${m.name}.json`,
    );
  }
  return models;
}

/**
 * Trains the challengers `dt@2` and `bad@1` with `seed`, saves them under `dir` next to the
 * deployed models and prints their held-out accuracy (`iris train --challenger`).
 *
 * @example
 * ```ts
 * await trainChallenger({ dir: 'examples/iris/models', seed: 42 });
 * ```
 */
export async function trainChallenger(
  options: { dir?: string; seed?: number; print?: (line: string) => void } = {},
): Promise<[SavedIrisModel, SavedIrisModel]> {
  const dir = options.dir ?? DEFAULT_MODELS_DIR;
  const seed = options.seed ?? DEFAULT_SEED;
  const print = options.print ?? ((line: string) => console.log(line));
  // Progress on stderr (the summary below is the output), unless the caller prints elsewhere.
  if (!options.print)
    process.stderr.write(`training the challengers dt@2 and bad@1, seed ${seed} ...\n`);
  const started = Date.now();
  const models = await trainAndSaveChallengers(dir, seed);
  print(`Trained the challengers with seed ${seed} in ${Date.now() - started} ms:`);
  for (const m of models) {
    const role = m.name === 'dt' ? 'challenger' : 'deliberately worse';
    print(
      `  ${m.name}@${m.version} (${role}, ${m.algorithm}): ` +
        `held-out accuracy ${(m.heldOutAccuracy * 100).toFixed(1)}% on ${m.testSize} flowers ` +
        `(trained on ${m.trainSize}) -> ${dir}/${m.name}@${m.version}.json`,
    );
  }
  return models;
}

/** Trains the models (with the default seed) unless both are already under `dir`. */
export async function ensureModels(dir: string, logger: Logger): Promise<void> {
  if (await modelsPresent(dir)) return;
  logger.info({ dir }, 'models missing: training them first');
  await train({ dir, print: (line) => logger.info(line) });
}

/** Trains the challengers (with the default seed) unless both are already under `dir`. */
export async function ensureChallengers(dir: string, logger: Logger): Promise<void> {
  if (await challengersPresent(dir)) return;
  logger.info({ dir }, 'challenger models missing: training them first');
  await trainChallenger({ dir, print: (line) => logger.info(line) });
}

// `tsx src/train.ts [--seed N] [--challenger]` runs it directly too (the CLI's `iris train` is the same).
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const at = process.argv.indexOf('--seed');
  const seed =
    at > 0 ? Number(process.argv[at + 1]) : Number(process.env.IRIS_SEED ?? DEFAULT_SEED);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const dir = process.env.MODELS_DIR ?? DEFAULT_MODELS_DIR;
  if (process.argv.includes('--challenger')) await trainChallenger({ dir, seed });
  else await train({ dir, seed });
}
