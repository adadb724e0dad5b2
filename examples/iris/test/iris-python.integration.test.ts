/**
 * The reference's own models as Python workers: a scikit-learn `dt` (DecisionTreeClassifier,
 * random_state=0, on load_iris()) in a Python process answers, the TypeScript `lr` runs beside
 * it as the canary in an `iris worker` process, and a front end on Redis decides. Every answer
 * must be what scikit-learn's own `predict` says, and every result record must carry both
 * candidates.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { latestVersion, Rendezvous, type RendezvousResult } from '@rendezvous-ml/core';
import {
  type RedisServer,
  requireService,
  startRedisServer,
  startWorkerProcess,
  waitFor,
} from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython } from '../../../python/test/support/find-python.js';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { ensureModels } from '../src/train.js';
import { startIrisProcess } from './support/iris-processes.js';

const script = fileURLToPath(new URL('../python/iris_worker.py', import.meta.url));
const py = findPython(['redis', 'sklearn']);
const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

describe.skipIf(!py.ok || !redis.ok)(
  'iris with a Python scikit-learn dt and a TypeScript lr',
  () => {
    const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);
    const python = py.ok ? py.python : 'python3';

    afterAll(async () => {
      await server?.dispose();
    });

    it("answers every iris row as scikit-learn's own predict does, with both candidates in every record", {
      timeout: 120_000,
    }, async () => {
      const truth = spawnSync(python, [script, '--model', 'dt', '--predict-all'], {
        encoding: 'utf8',
      });
      expect(truth.status, truth.stderr).toBe(0);
      const { rows, predictions } = JSON.parse(truth.stdout) as {
        rows: Record<string, number>[];
        predictions: number[];
      };
      expect(rows).toHaveLength(150);
      await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
      const env = {
        RENDEZVOUS_TRANSPORT: 'redis',
        REDIS_URL: server.url,
        HEARTBEAT_MS: '300',
        LOG_LEVEL: 'warn',
      };
      const dt = startWorkerProcess(`${python} -u ${script} --model dt`, env);
      const lr = startIrisProcess(['worker', '--model', 'lr'], env);
      const transport = new RedisTransport({ url: server.url, keyPrefix: 'iris:' });
      const rendezvous = new Rendezvous<Record<string, number>, number>({
        transport,
        policy: latestVersion(),
        deadlineMs: 5000,
      });
      const records: RendezvousResult<Record<string, number>, number>[] = [];
      const sub = rendezvous.results$.subscribe((r) => records.push(r));
      try {
        await lr.ready;
        await rendezvous.start();
        await waitFor(
          () => rendezvous.registry.live().length === 2,
          `dt@1 (Python) and lr@0 (TypeScript) to be live: ${dt.output()}`,
          30_000,
        );
        const answers = await Promise.all(rows.map((row) => rendezvous.request(row)));
        for (const [i, answer] of answers.entries()) {
          expect(answer.chosen?.model).toMatchObject({ name: 'dt', version: '1' });
          expect(answer.chosen?.output, `row ${i}`).toBe(predictions[i]);
        }
        await waitFor(() => records.length === rows.length, 'a result record per request', 10_000);
        for (const record of records) {
          // Both are candidates (live at the decision); lr's score is in the record either as a
          // candidate or, when it came after dt decided, among the late scores.
          expect(record.candidates.map((c) => c.model.name).sort()).toEqual(['dt', 'lr']);
          expect(record.candidates.find((c) => c.model.name === 'dt')?.status).toBe('ok');
          const lrScored = [...record.candidates, ...record.late].some(
            (c) => c.model.name === 'lr' && c.status === 'ok',
          );
          expect(lrScored, JSON.stringify(record)).toBe(true);
        }
        expect(dt.output()).not.toMatch(/Traceback/);
      } finally {
        sub.unsubscribe();
        await rendezvous.stop();
        await transport.close();
        await dt.kill('SIGTERM');
        await lr.stop('SIGTERM');
      }
    });
  },
);
