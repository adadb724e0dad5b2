import { ConfigurationError } from './errors.js';
import { DEFAULT_STREAMS, type StreamNames } from './transport.js';

/**
 * The one way components name their streams: `streams` (a `Partial<StreamNames>`) over the
 * defaults. `legacy` maps the deprecated per-stream options a component still accepts (for
 * example an archiver's `requestsStream`) to the stream they name; giving one of them and a
 * different `streams` entry for the same stream is a `ConfigurationError`, as are an unknown
 * stream and an empty name; an entry set to `undefined` keeps its default.
 *
 * @example
 * ```ts
 * const names = resolveStreams('archiver', options.streams, { requests: options.requestsStream });
 * names.requests; // 'requests' unless renamed
 * ```
 */
export function resolveStreams(
  component: string,
  streams: Partial<StreamNames> | undefined,
  legacy: {
    readonly [K in keyof StreamNames]?: { readonly option: string; readonly value?: string };
  } = {},
): StreamNames {
  const names: Record<keyof StreamNames, string> = { ...DEFAULT_STREAMS };
  for (const [key, value] of Object.entries(streams ?? {}) as [keyof StreamNames, unknown][]) {
    if (value === undefined) continue; // an entry left unset keeps its default
    if (!(key in DEFAULT_STREAMS))
      throw new ConfigurationError(
        `${component}: unknown stream \`streams.${String(key)}\`; the streams are ${Object.keys(DEFAULT_STREAMS).join(', ')}`,
      );
    if (typeof value !== 'string' || value === '')
      throw new ConfigurationError(
        `${component}: \`streams.${key}\` must be a non-empty string, got ${JSON.stringify(value)}`,
      );
    names[key] = value;
  }
  for (const [key, entry] of Object.entries(legacy) as [
    keyof StreamNames,
    { option: string; value?: string },
  ][]) {
    if (entry.value === undefined) continue;
    const given = streams?.[key];
    if (given !== undefined && given !== entry.value)
      throw new ConfigurationError(
        `${component}: \`${entry.option}\` ("${entry.value}") and \`streams.${key}\` ("${given}") name different streams; give \`streams.${key}\` only (\`${entry.option}\` is deprecated)`,
      );
    names[key] = entry.value;
  }
  return names;
}
