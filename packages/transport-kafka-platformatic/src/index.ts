/**
 * The Kafka transport for Rendezvous, on `@platformatic/kafka` (Node ≥ 22.22).
 *
 * @packageDocumentation
 */
export { loadPlatformaticKafka, type PlatformaticKafkaModule } from './load-platformatic-kafka.js';
export { PlatformaticKafkaTransport } from './platformatic-kafka-transport.js';
export type { PlatformaticKafkaTransportOptions } from './platformatic-kafka-transport-options.js';
