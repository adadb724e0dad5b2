/**
 * The Redis Streams transport for Rendezvous, on ioredis.
 *
 * @packageDocumentation
 */
export {
  IOREDIS_RANGE,
  loadIoredis,
  type ModuleImporter,
  type RedisConstructor,
} from './load-ioredis.js';
export { RedisTransport, type RedisTransportStats } from './redis-transport.js';
export type { RedisTransportOptions } from './redis-transport-options.js';
