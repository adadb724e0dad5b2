import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KafkaBroker, requireService, startKafkaBroker } from '@rendezvous-ml/test-kit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { ensureModels } from '../src/train.js';
import { irisEndToEnd } from './support/iris-end-to-end.js';
import { startIrisProcess } from './support/iris-processes.js';
import {
  type MultiProcessDeployment,
  startMultiProcessDeployment,
} from './support/multi-process-deployment.js';

const kafka = await requireService('kafka', () => startKafkaBroker());

/** Two busy loops, one per core: the loaded machine of issue #11. Stop them with `kill`. */
function burnCpu(): { kill(): void } {
  const burners: ChildProcess[] = [0, 1].map(() =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
  return {
    kill: () => {
      for (const b of burners) b.kill('SIGKILL');
    },
  };
}

describe.skipIf(!kafka.ok)('iris multi-process over Kafka', () => {
  const broker = kafka.ok ? kafka.service : (undefined as unknown as KafkaBroker);
  let deployment: MultiProcessDeployment;

  afterAll(async () => {
    await deployment?.dispose();
    await broker.dispose();
  }, 60_000);

  describe('start-up', () => {
    it('an archiver started while the broker is down waits it out and becomes ready, without exiting', {
      timeout: 120_000,
    }, async () => {
      const archiveDir = await mkdtemp(join(tmpdir(), 'iris-start-'));
      await broker.stop();
      const archiver = startIrisProcess(['archiver'], {
        RENDEZVOUS_TRANSPORT: 'kafka',
        KAFKA_BROKERS: broker.brokers,
        ARCHIVE_DIR: archiveDir,
        LOG_LEVEL: 'warn',
      });
      try {
        await new Promise((r) => setTimeout(r, 6000)); // longer than kafkajs's own retries
        expect(archiver.child.exitCode, archiver.output()).toBeNull();
        await broker.restart();
        await archiver.ready;
        expect(await archiver.stop('SIGTERM'), archiver.output()).toBe(0);
      } finally {
        await archiver.stop('SIGKILL');
        await rm(archiveDir, { recursive: true, force: true });
      }
    });
  });

  describe('end to end', () => {
    beforeAll(async () => {
      // Train once here, so the worker processes do not race to do it.
      await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
      // Every role creates its topics and groups at once on a fresh broker, with both cores
      // busy: the start-up race of issue #11 (the archiver exited on a topic just created).
      // A 3 s deadline, not the default 1 s: these tests assert who answers and that nothing is
      // lost or mixed up, not how fast (bench/ measures that). Six processes and a JVM share two
      // cores with the other test files; at concurrency 50 one request in a thousand once went
      // past 1 s for both models, and the test is not about that.
      const load = burnCpu();
      try {
        deployment = await startMultiProcessDeployment(
          { RENDEZVOUS_TRANSPORT: 'kafka', KAFKA_BROKERS: broker.brokers },
          { deadlineMs: 3000 },
        );
      } finally {
        load.kill();
      }
    }, 240_000);

    irisEndToEnd(() => deployment, { slowTimeoutMs: 120_000 });
  });
});
