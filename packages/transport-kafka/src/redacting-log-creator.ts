import type { LogEntry, logCreator } from 'kafkajs';
import type { KafkaLogEntry } from './kafka-log-entry.js';

const SECRET = /pass|secret|token|sasl|credential|authorization|private|^key$|^cert$|^ca$|^pfx$/i;
const LEVELS = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' } as const;

/**
 * Replaces every value whose key looks like a secret (passwords, tokens, SASL and TLS material)
 * by `[redacted]`, recursively.
 *
 * @example
 * ```ts
 * redact({ sasl: { password: 'p' }, broker: 'b:9092' }); // { sasl: '[redacted]', broker: 'b:9092' }
 * ```
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

function defaultSink(entry: KafkaLogEntry): void {
  const line = `[kafkajs ${entry.level}] ${entry.namespace}: ${entry.message} ${JSON.stringify(entry.fields)}`;
  if (entry.level === 'error') console.error(line);
  else console.warn(line);
}

/**
 * A kafkajs `logCreator` that redacts secrets and hands each line to `sink` (default: stderr).
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
        fields: redact(rest) as Record<string, unknown>,
      });
    };
}
