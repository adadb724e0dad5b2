import type { Transport } from '@rendezvous-ml/core';
import { KafkaTransport } from '@rendezvous-ml/transport-kafka';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { startElasticsearchNode } from '../../packages/test-kit/src/services/elasticsearch-node.js';
import { startKafkaBroker } from '../../packages/test-kit/src/services/kafka-broker.js';
import { startRedisServer } from '../../packages/test-kit/src/services/redis-server.js';
import type { ServiceName, Services } from './types.js';

/** Starts services on first need; remembers why one could not start. */
export class ServicePool {
  readonly services: Services = {};
  readonly missing = new Map<ServiceName, string>();
  private readonly disposers: (() => Promise<void>)[] = [];

  /** Starts what `needs` lists and is not started yet. Never throws: see `missing`. */
  async ensure(needs: readonly ServiceName[], log: (m: string) => void): Promise<void> {
    for (const name of needs) {
      if (this.services[name] || this.missing.has(name)) continue;
      const t0 = Date.now();
      try {
        if (name === 'redis') {
          const s = await startRedisServer({ appendonly: true });
          this.services.redis = s;
          this.disposers.push(() => s.dispose());
        } else if (name === 'kafka') {
          const s = await startKafkaBroker();
          this.services.kafka = s;
          this.disposers.push(() => s.dispose());
        } else {
          const s = await startElasticsearchNode();
          this.services.elasticsearch = s;
          this.disposers.push(() => s.dispose());
        }
        log(`${name} started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
        this.missing.set(name, `${name} could not start: ${reason.slice(0, 300)}`);
        log(this.missing.get(name)!);
      }
    }
  }

  async dispose(): Promise<void> {
    for (const d of this.disposers.splice(0).reverse()) await d().catch(() => undefined);
  }
}

/** A connection factory to the scenario's own streams on Redis (key prefix = tag). */
export function redisConnect(url: string, tag: string): () => Transport {
  return () =>
    new RedisTransport({
      url,
      keyPrefix: `${tag}:`,
      // A dead member's entries are claimed quickly, so a scenario sees redelivery in seconds.
      claimIdleMs: 2000,
    });
}

/** A connection factory to the scenario's own topics on Kafka (topic prefix = tag). */
export function kafkaConnect(brokers: string, tag: string): () => Transport {
  return () =>
    new KafkaTransport({
      brokers: [brokers],
      clientId: tag,
      topicPrefix: `${tag}.`,
      logger: () => undefined,
    });
}
