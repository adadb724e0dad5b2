import { fileURLToPath } from 'node:url';
import { type FixtureProcess, startFixtureProcess } from '@rendezvous-ml/test-kit';
import type { KafkaWorkerConfig } from '../fixtures/kafka-worker.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/kafka-worker.ts', import.meta.url));

/** A `fixtures/kafka-worker.ts` process started by a test; `kill()` is a crash (no leave, no commit). */
export type KafkaWorkerProcess = FixtureProcess;

/**
 * Starts a model worker in a child process, run from source with tsx: `fixture` (default
 * fixtures/kafka-worker.ts, the kafkajs transport; another Kafka client's tests pass their own).
 */
export function startKafkaWorkerProcess(
  config: KafkaWorkerConfig,
  readyTimeoutMs = 60_000,
  fixture = FIXTURE,
): KafkaWorkerProcess {
  return startFixtureProcess(fixture, config, { readyTimeoutMs });
}
