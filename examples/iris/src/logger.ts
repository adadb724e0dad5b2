import { type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

/** How the logs are written: JSON lines, or readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * The log format: `LOG_FORMAT` (`json` or `pretty`) when set, else readable lines when stdout is a
 * terminal and JSON lines when it is a pipe or a file (`npm run -s iris | jq .`, log shippers).
 *
 * @example
 * ```ts
 * logFormat({ LOG_FORMAT: 'json' }, true); // 'json', even on a terminal
 * ```
 */
export function logFormat(
  env: Readonly<Record<string, string | undefined>> = process.env,
  isTTY: boolean = process.stdout.isTTY === true,
): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTTY ? 'pretty' : 'json';
}

/**
 * The process's logger on stdout, tagged with the role of the process: JSON lines, one per
 * event, unless {@link logFormat} says `pretty` (pino-pretty: time, level, role, message).
 * Nothing else goes to stdout; the banner and progress go to stderr.
 *
 * @example
 * ```ts
 * const logger = createLogger('frontend', 'info');
 * ```
 */
export function createLogger(role: string, level: string, format: LogFormat = logFormat()): Logger {
  const options = { level, base: { role, pid: process.pid } };
  if (format === 'json') return pino(options);
  return pino(
    options,
    PinoPretty({
      destination: 1,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,role',
      messageFormat: '{role}: {msg}',
      singleLine: true,
    }),
  );
}
