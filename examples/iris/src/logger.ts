import { type Logger, pino } from 'pino';

/**
 * The process's logger: JSON lines on stdout (pipe them to `pino-pretty` to read them), tagged
 * with the role of the process.
 *
 * @example
 * ```ts
 * const logger = createLogger('frontend', 'info');
 * ```
 */
export function createLogger(role: string, level: string): Logger {
  return pino({ level, base: { role, pid: process.pid } });
}
