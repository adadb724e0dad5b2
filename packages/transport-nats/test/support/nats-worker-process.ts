import { fileURLToPath } from 'node:url';
import { type FixtureProcess, startFixtureProcess } from '@rendezvous-ml/test-kit';
import type { NatsWorkerConfig } from '../fixtures/nats-worker.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/nats-worker.ts', import.meta.url));

/** A `fixtures/nats-worker.ts` process started by a test; `kill()` is a crash (no nak, no unsubscribe). */
export interface NatsWorkerProcess extends FixtureProcess {
  /** How many predictions it has started. */
  holding(): number;
}

/** Starts a model worker in a child process, run from source with tsx. */
export function startNatsWorkerProcess(
  config: NatsWorkerConfig,
  readyTimeoutMs = 60_000,
): NatsWorkerProcess {
  let holding = 0;
  const fixture = startFixtureProcess(FIXTURE, config, {
    readyTimeoutMs,
    onMessage: (m) => {
      if (m.type === 'holding' && typeof m.n === 'number') holding = m.n;
    },
  });
  return { ...fixture, holding: () => holding };
}
