import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_MODELS_DIR } from './iris-models.js';

/** The transports the example can run on. */
export type TransportKind = 'memory' | 'redis' | 'kafka' | 'nats';

/**
 * Everything the example reads from the environment, in one place (see the README's table).
 *
 * @example
 * ```ts
 * const config = readConfig({ PORT: '8001', RENDEZVOUS_TRANSPORT: 'redis' });
 * ```
 */
export interface IrisConfig {
  readonly transport: TransportKind;
  readonly redisUrl: string;
  readonly kafkaBrokers: readonly string[];
  /** NATS server URLs (`NATS_URL`, comma-separated), for `RENDEZVOUS_TRANSPORT=nats`. */
  readonly natsServers: readonly string[];
  readonly elasticsearchUrl: string | undefined;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly archiveDir: string;
  readonly modelsDir: string;
  /** Deadline of each prediction, ms. */
  readonly deadlineMs: number;
  /** Undecided requests at once before `/predict` answers 503. */
  readonly maxInFlight: number;
  /** Largest accepted `/predict` body, bytes. */
  readonly bodyLimit: number;
  /** Predictions (and their replies) a worker runs at once. */
  readonly workerConcurrency: number;
  /** Worker heartbeat period, ms: a silent model is dropped after three of them. */
  readonly heartbeatMs: number;
  readonly logLevel: string;
  /**
   * Models run in shadow (`SHADOW=dt@2`, comma-separated, or `--shadow dt@2`): they score every
   * request, their scores reach the results and the scorecard, but they are never chosen.
   */
  readonly shadow: readonly string[];
  /** The front end's scorecard (`GET /scorecard`, alarms in the log). */
  readonly scorecard: {
    /** Results of the shift reference window: the first N (`SCORECARD_REFERENCE`, default 500). */
    readonly referenceResults: number;
    /** Samples before an alarm can fire (`SCORECARD_MIN_SAMPLES`, default 100). */
    readonly minSamples: number;
    /** How often a snapshot is taken and alarms evaluated (`SCORECARD_INTERVAL_MS`, default 5000). */
    readonly intervalMs: number;
  };
}

/** Splits a comma-separated list of model references (`dt@2,bad@1`). */
export function modelRefs(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

/**
 * A relative path is taken from the folder the user ran the command in: `npm run iris` runs the
 * script inside `examples/iris`, but `ARCHIVE_DIR=./x npm run iris` means `./x` where the user is.
 */
function userPath(path: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(path) ? path : resolve(env.INIT_CWD ?? process.cwd(), path);
}

/** Reads and checks the configuration; throws a readable error on a bad value. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): IrisConfig {
  const transport = (env.RENDEZVOUS_TRANSPORT || 'memory').toLowerCase();
  if (
    transport !== 'memory' &&
    transport !== 'redis' &&
    transport !== 'kafka' &&
    transport !== 'nats'
  )
    throw new Error(
      `RENDEZVOUS_TRANSPORT must be memory, redis, kafka or nats, got "${transport}"`,
    );
  return {
    transport,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    natsServers: (env.NATS_URL || 'nats://127.0.0.1:4222')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    elasticsearchUrl: env.ELASTICSEARCH_URL || undefined,
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8000, 0),
    archiveDir: userPath(env.ARCHIVE_DIR || './data/archive', env),
    modelsDir: env.MODELS_DIR ? userPath(env.MODELS_DIR, env) : DEFAULT_MODELS_DIR,
    deadlineMs: int(env, 'DEADLINE_MS', 1000, 1),
    maxInFlight: int(env, 'MAX_IN_FLIGHT', 10_000, 1),
    bodyLimit: int(env, 'BODY_LIMIT', 1024, 64),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 32, 1),
    heartbeatMs: int(env, 'HEARTBEAT_MS', 1000, 50),
    logLevel: env.LOG_LEVEL || 'info',
    shadow: modelRefs(env.SHADOW),
    scorecard: {
      referenceResults: int(env, 'SCORECARD_REFERENCE', 500, 1),
      minSamples: int(env, 'SCORECARD_MIN_SAMPLES', 100, 1),
      intervalMs: int(env, 'SCORECARD_INTERVAL_MS', 5000, 0),
    },
  };
}
