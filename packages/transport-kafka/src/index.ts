/**
 * The Kafka transport for Rendezvous, on kafkajs.
 *
 * @packageDocumentation
 */
export type { KafkaLogEntry } from './kafka-log-entry.js';
export { KafkaTransport } from './kafka-transport.js';
export type { KafkaTransportOptions } from './kafka-transport-options.js';
