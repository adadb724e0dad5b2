import { redactFields } from '@rendezvous-ml/core/transport';
import type { LogEntry, logCreator } from 'kafkajs';
import type { KafkaLogEntry } from './kafka-log-entry.js';

const LEVELS = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' } as const;

function defaultSink(entry: KafkaLogEntry): void {
  const line = `[kafkajs ${entry.level}] ${entry.namespace}: ${entry.message} ${JSON.stringify(entry.fields)}`;
  if (entry.level === 'error') console.error(line);
  else console.warn(line);
}

/**
 * A kafkajs `logCreator` that redacts secrets (the core kit's `redactFields`) and hands each line to `sink` (default: stderr).
 *
 * @example
 * ```ts
 * new Kafka({ brokers, logCreator: redactingLogCreator((e) => pino.warn(e)) });
 * ```
 */
export function redactingLogCreator(
  sink: (entry: KafkaLogEntry) => void = defaultSink,
): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      sink({
        level: LEVELS[level as keyof typeof LEVELS] ?? 'info',
        namespace,
        message: String(message),
        fields: redactFields(rest) as Record<string, unknown>,
      });
    };
}
