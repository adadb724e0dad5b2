/**
 * The Redis Streams transport for Rendezvous, on ioredis.
 *
 * @packageDocumentation
 */
export { RedisTransport, type RedisTransportStats } from './redis-transport.js';
export type { RedisTransportOptions } from './redis-transport-options.js';
