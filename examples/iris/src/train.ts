import type { Logger } from 'pino';
import { challengersPresent, trainAndSaveChallengers } from './challengers.js';
import {
  DEFAULT_MODELS_DIR,
  DEFAULT_SEED,
  modelsPresent,
  type SavedIrisModel,
  trainAndSave,
} from './iris-models.js';

/** Where and how `train` and `trainChallenger` work, and where their summary goes. */
export interface TrainOptions {
  /** Default `examples/iris/models`. */
  dir?: string;
  /** Default {@link DEFAULT_SEED}. */
  seed?: number;
  /** Each line of the summary. Default `console.log`, with progress on stderr. */
  print?: (line: string) => void;
}

/** What one training command trains and how it describes it. */
interface Training {
  /** The progress line on stderr (with the seed), when the caller prints nowhere else. */
  readonly progress: (seed: number) => string;
  /** The summary's first line, before the time it took. */
  readonly heading: (seed: number) => string;
  readonly role: (m: SavedIrisModel) => string;
  readonly file: (m: SavedIrisModel) => string;
  readonly run: (dir: string, seed: number) => Promise<[SavedIrisModel, SavedIrisModel]>;
}

async function trainAndPrint(
  options: TrainOptions,
  training: Training,
): Promise<[SavedIrisModel, SavedIrisModel]> {
  const dir = options.dir ?? DEFAULT_MODELS_DIR;
  const seed = options.seed ?? DEFAULT_SEED;
  const print = options.print ?? ((line: string) => console.log(line));
  // Progress on stderr (the summary below is the output), unless the caller prints elsewhere.
  if (!options.print) process.stderr.write(`${training.progress(seed)}\n`);
  const started = Date.now();
  const models = await training.run(dir, seed);
  print(`${training.heading(seed)} in ${Date.now() - started} ms:`);
  for (const m of models) {
    print(
      `  ${m.name}@${m.version} (${training.role(m)}, ${m.algorithm}): ` +
        `held-out accuracy ${(m.heldOutAccuracy * 100).toFixed(1)}% on ${m.testSize} flowers ` +
        `(trained on ${m.trainSize}) -> ${dir}/${training.file(m)}`,
    );
  }
  return models;
}

/**
 * Trains both models with `seed`, saves them under `dir` and prints their held-out accuracy.
 *
 * @example
 * ```ts
 * await train({ dir: 'examples/iris/models', seed: 42 });
 * ```
 */
export function train(options: TrainOptions = {}): Promise<[SavedIrisModel, SavedIrisModel]> {
  return trainAndPrint(options, {
    progress: (seed) =>
      `training dt@1 (decision tree) and lr@0 (logistic regression), seed ${seed} ...`,
    heading: (seed) => `Trained the iris models with seed ${seed}`,
    role: (m) => (m.name === 'dt' ? 'production' : 'canary baseline'),
    file: (m) => `${m.name}.json`,
    run: trainAndSave,
  });
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
export function trainChallenger(
  options: TrainOptions = {},
): Promise<[SavedIrisModel, SavedIrisModel]> {
  return trainAndPrint(options, {
    progress: (seed) => `training the challengers dt@2 and bad@1, seed ${seed} ...`,
    heading: (seed) => `Trained the challengers with seed ${seed}`,
    role: (m) => (m.name === 'dt' ? 'challenger' : 'deliberately worse'),
    file: (m) => `${m.name}@${m.version}.json`,
    run: trainAndSaveChallengers,
  });
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
