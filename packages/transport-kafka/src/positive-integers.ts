import { ConfigurationError } from '@rendezvous-ml/core';

/**
 * Checks the integer sizes of a Kafka transport's options (partitions, replication factor,
 * prefetch): each must be a positive integer, or the constructor throws a `ConfigurationError`
 * naming the option.
 *
 * @example
 * ```ts
 * requirePositiveIntegers({ partitions: 8, replicationFactor: 1, defaultPrefetch: 256 });
 * ```
 */
export function requirePositiveIntegers(values: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1)
      throw new ConfigurationError(`${name} must be a positive integer, got ${value}`);
  }
}
