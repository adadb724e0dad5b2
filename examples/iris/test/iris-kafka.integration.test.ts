import {
  type KafkaBroker,
  requireService,
  startKafkaBroker,
} from '@rendezvous-ml/transport-conformance';
import { pino } from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { DEFAULT_MODELS_DIR } from '../src/iris-models.js';
import { ensureModels } from '../src/train.js';
import { irisEndToEnd } from './support/iris-end-to-end.js';
import {
  type MultiProcessDeployment,
  startMultiProcessDeployment,
} from './support/multi-process-deployment.js';

const kafka = await requireService('kafka', () => startKafkaBroker());

describe.skipIf(!kafka.ok)('iris multi-process over Kafka', () => {
  const broker = kafka.ok ? kafka.service : (undefined as unknown as KafkaBroker);
  let deployment: MultiProcessDeployment;

  beforeAll(async () => {
    // Train once here, so the worker processes do not race to do it.
    await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
    deployment = await startMultiProcessDeployment({
      RENDEZVOUS_TRANSPORT: 'kafka',
      KAFKA_BROKERS: broker.brokers,
    });
  }, 180_000);

  afterAll(async () => {
    await deployment?.dispose();
    await broker.dispose();
  }, 60_000);

  irisEndToEnd(() => deployment, { slowTimeoutMs: 120_000 });
});
