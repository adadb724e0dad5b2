import { ModelWorker, type Transport } from '@rendezvous-ml/core';
import type { KafkaWorkerConfig } from '../fixtures/kafka-worker.js';

/**
 * The body of a worker fixture process, whatever the Kafka client: serves `config.model` on
 * `transport` (doubling its input after `predictMs`), sends `{ type: 'ready' }` over IPC once
 * started, stops on SIGTERM and exits when the parent goes away.
 */
export async function serveKafkaWorker(
  transport: Transport,
  config: KafkaWorkerConfig,
): Promise<void> {
  // Never outlive the test that started us, even if it dies without killing us.
  process.on('disconnect', () => process.exit(0));
  const worker = new ModelWorker({
    transport,
    model: config.model,
    predict: async (x: number): Promise<number> => {
      await new Promise((r) => setTimeout(r, config.predictMs));
      return x * 2;
    },
    streams: config.streams,
    heartbeatIntervalMs: 200,
  });
  await worker.start();
  process.send?.({ type: 'ready', pid: process.pid });
  process.once('SIGTERM', () => {
    void worker
      .stop()
      .then(() => transport.close())
      .finally(() => process.exit(0));
  });
}
