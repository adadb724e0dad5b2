/**
 * One kafkajs log line, after secrets were redacted.
 *
 * @example
 * ```ts
 * const logger = (e: KafkaLogEntry) => console.log(`[${e.level}] ${e.namespace}: ${e.message}`);
 * ```
 */
export interface KafkaLogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  /** The kafkajs component, such as `Consumer` or `Connection`. */
  readonly namespace: string;
  readonly message: string;
  /** The other fields kafkajs logged, with every secret-looking value replaced by `[redacted]`. */
  readonly fields: Readonly<Record<string, unknown>>;
}
