import { DEFAULT_STREAMS, type StreamNames } from '@rendezvous-ml/core';

/**
 * The stream names of a replay namespace: every stream a front end or a worker uses (requests,
 * heartbeats, dead letter, results) prefixed with `<namespace>.`, so replayed traffic never
 * reaches a production worker, front end or archiver, which all use the default names. Start a
 * new version's workers elsewhere with these names to have them take part in a replay.
 *
 * @example
 * ```ts
 * new ModelWorker({ transport, model: { name: 'dt', version: '2' }, predict, streams: replayStreams('replay') });
 * // { requests: 'replay.requests', heartbeats: 'replay.heartbeats', deadLetter: 'replay.dead-letter', results: 'replay.results' }
 * ```
 */
export function replayStreams(namespace = 'replay'): StreamNames {
  if (namespace === '' || /\s/.test(namespace))
    throw new TypeError(
      `replay namespace must be a non-empty name without spaces, got "${namespace}"`,
    );
  const names = Object.entries(DEFAULT_STREAMS).map(([k, v]) => [k, `${namespace}.${v}`]);
  return Object.fromEntries(names) as StreamNames;
}
