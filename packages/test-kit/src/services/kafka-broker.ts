import { type ScriptService, startScriptService } from './script-service.js';

/** A Kafka broker process owned by a test file, which it can stop, kill and restart. */
export interface KafkaBroker extends ScriptService {
  /** Bootstrap servers, such as `127.0.0.1:39092`. */
  readonly brokers: string;
}

/**
 * Starts a real single-node Kafka broker (KRaft) with `scripts/kafka/kafka.sh` in a fresh temp
 * folder: fetches the jars once (cached), starts the broker on a free loopback port, and
 * resolves when the script's readiness probe (a Kafka `Metadata` request) has succeeded.
 * Topics, data and committed offsets survive `restart()`.
 *
 * @example
 * ```ts
 * const gate = await requireService('kafka', () => startKafkaBroker());
 * describe.skipIf(!gate.ok)('kafka', () => {  });
 * ```
 */
export async function startKafkaBroker(): Promise<KafkaBroker> {
  const service = await startScriptService({
    script: 'scripts/kafka/kafka.sh',
    readyLine: /KAFKA_BROKERS=127\.0\.0\.1:(\d+)/,
    startTimeoutMs: 120_000,
  });
  return { ...service, brokers: `127.0.0.1:${service.port}` };
}
