import { redactFields } from '@rendezvous-ml/core/transport';
import type { KafkaLogEntry } from './kafka-log-entry.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';

const LOG_LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const;

/**
 * The transport's own log lines (a reader that crashed, a listen that failed), at the same
 * level and to the same sink as kafkajs's, with secrets redacted from the error.
 *
 * @example
 * ```ts
 * const logger = new KafkaLogger({ brokers, logLevel: 'warn' });
 * logger.warn('cannot listen on config', error);
 * ```
 */
export class KafkaLogger {
  /** The kafkajs `logLevel` number of the configured level. */
  readonly level: number;
  /** Where log entries go; undefined means the console. */
  readonly sink: ((entry: KafkaLogEntry) => void) | undefined;

  constructor(options: Pick<KafkaTransportOptions, 'logger' | 'logLevel'>) {
    this.sink = options.logger;
    this.level = LOG_LEVELS[options.logLevel ?? 'warn'];
  }

  /** Logs a warning; bound, so it can be handed out as a callback. */
  readonly warn = (message: string, error?: unknown): void => this.log('warn', message, error);

  log(level: 'warn' | 'error', message: string, error?: unknown): void {
    if (this.level < LOG_LEVELS[level]) return;
    const entry: KafkaLogEntry = {
      level,
      namespace: 'rendezvous-kafka',
      message,
      fields:
        error === undefined
          ? {}
          : (redactFields({ error: String((error as Error)?.message ?? error) }) as Record<
              string,
              unknown
            >),
    };
    if (this.sink) this.sink(entry);
    else console.warn(`[rendezvous-kafka ${level}] ${message}`, entry.fields);
  }
}
