import { createRequire } from 'node:module';
import { MissingPeerDependencyError } from '@rendezvous-ml/core';

/**
 * The kafkajs module, as {@link loadKafkajs} returns it.
 *
 * @example
 * ```ts
 * const kafkajs: KafkajsModule = await loadKafkajs();
 * const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:9092'] });
 * ```
 */
export type KafkajsModule = typeof import('kafkajs');

/** The kafkajs versions this package supports (internal). */
export const KAFKAJS_RANGE = '^2.2.4';

let cached: Promise<KafkajsModule> | undefined;

function localRequire(): NodeJS.Require {
  // The ESM build resolves from this file's URL. (Not `typeof require`: the ESM bundle has a
  // `require` shim that throws.) The CJS build has no `import.meta.url` and a real `require`.
  try {
    return createRequire(import.meta.url);
  } catch {
    return require;
  }
}

/** Whether `version` satisfies `^2.2.4` (major 2, at least 2.2.4). Internal. */
export function isSupportedKafkajsVersion(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major === 2 && (minor > 2 || (minor === 2 && patch >= 4));
}

/**
 * Loads the kafkajs peer dependency on first use and checks its version (`^2.2.4`). Rejects with
 * `MissingPeerDependencyError` ("install kafkajs") when it is missing or too old. Useful to
 * build a `Kafka` instance of your own (the `kafka` option of `KafkaTransport`) from the same
 * kafkajs copy the transport uses.
 *
 * @example
 * ```ts
 * const { Kafka } = await loadKafkajs();
 * const kafka = new Kafka({ brokers: ['127.0.0.1:9092'] });
 * ```
 */
export function loadKafkajs(): Promise<KafkajsModule> {
  cached ??= (async () => {
    let version: string;
    try {
      version = (localRequire()('kafkajs/package.json') as { version: string }).version;
    } catch (cause) {
      throw new MissingPeerDependencyError('kafkajs', KAFKAJS_RANGE, 'kafkajs is not installed', {
        cause,
      });
    }
    if (!isSupportedKafkajsVersion(version)) {
      throw new MissingPeerDependencyError(
        'kafkajs',
        KAFKAJS_RANGE,
        `kafkajs ${version} is installed but not supported`,
      );
    }
    try {
      const mod = (await import('kafkajs')) as KafkajsModule & { default?: KafkajsModule };
      return mod.Kafka ? mod : (mod.default as KafkajsModule);
    } catch (cause) {
      throw new MissingPeerDependencyError('kafkajs', KAFKAJS_RANGE, 'kafkajs cannot be loaded', {
        cause,
      });
    }
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
