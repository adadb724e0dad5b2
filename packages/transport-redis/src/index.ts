/**
 * The Redis Streams transport for Rendezvous, on ioredis.
 *
 * @packageDocumentation
 */
export { RedisTransport } from './redis-transport.js';
export type { RedisTransportOptions } from './redis-transport-options.js';
export type { RedisTransportStats } from './redis-transport-stats.js';
