import { type Clock, type RendezvousResult, systemClock } from '@rendezvous-ml/core';
import { ResultsStreamReader, type ResultsStreamSource } from '@rendezvous-ml/scorecard';
import { Observable } from 'rxjs';

/**
 * The decided results of front ends anywhere (they need `publishResults: true`), read from the
 * results stream in a consumer group of their own while subscribed. Each redelivered result is
 * emitted once (among the last 10 000); an invalid one goes to the dead letter. The group starts
 * at the stream's end on a first subscription: give a rollout its own group (default `rollout`),
 * so it never shares results with a scorecard or an archiver.
 *
 * @example
 * ```ts
 * const results = resultsFromStream({ transport: new RedisTransport({ url }), group: 'rollout' });
 * new Rollout({ candidate: 'dt@2', current: 'dt@1', control, results });
 * ```
 */
export function resultsFromStream(
  source: ResultsStreamSource,
  clock: Clock = systemClock,
): Observable<RendezvousResult> {
  return new Observable<RendezvousResult>((subscriber) => {
    const reader = new ResultsStreamReader({ group: 'rollout', ...source }, clock, (r) =>
      subscriber.next(r),
    );
    let stopped = false;
    reader.start().catch((error: unknown) => {
      if (!stopped) subscriber.error(error);
    });
    return () => {
      stopped = true;
      void reader.stop();
    };
  });
}
