import { ConfigurationError } from '../errors.js';
import { modelKey } from '../model-ref.js';
import type { OkScore, RendezvousPolicy } from '../policy.js';
import type { Json } from '../wire/json.js';

/**
 * Options of {@link quorum}.
 *
 * @example
 * ```ts
 * const opts: QuorumOptions = { key: (out) => String(out) };
 * ```
 */
export interface QuorumOptions {
  /** Maps an output to the value votes are counted on. Default: its JSON text. */
  readonly key?: (output: Json) => string;
}

/**
 * A majority vote: answers as soon as `k` successful outputs agree. When agreement can no
 * longer be reached (or at the deadline), it answers with the plurality of what it has.
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy: quorum(2) });
 * ```
 */
export function quorum(k: number, options: QuorumOptions = {}): RendezvousPolicy {
  if (!Number.isInteger(k) || k < 1)
    throw new ConfigurationError(`quorum(k): k must be a positive integer, got ${k}`);
  const keyOf = options.key ?? ((output: Json) => JSON.stringify(output));
  const name = `quorum(${k})`;
  return {
    name,
    decide(view) {
      const groups = new Map<string, OkScore[]>();
      let plurality: OkScore[] = [];
      for (const score of view.scores) {
        if (!score.ok) continue;
        const key = keyOf(score.output);
        const group = groups.get(key) ?? [];
        group.push(score);
        groups.set(key, group);
        if (group.length >= k) {
          return {
            action: 'answer',
            score: group[0]!,
            reason: `${name}: ${group.length} models agree`,
          };
        }
        if (group.length > plurality.length) plurality = group;
      }
      const reported = new Set(view.scores.map((s) => modelKey(s.model)));
      const pending = view.live.filter((m) => !reported.has(modelKey(m))).length;
      const reachable = plurality.length + pending >= k;
      if (plurality.length > 0 && (!reachable || view.now >= view.deadline)) {
        return {
          action: 'answer',
          score: plurality[0]!,
          reason: `${name}: no quorum, plurality of ${plurality.length} ${reachable ? 'at deadline' : '(quorum unreachable)'}`,
        };
      }
      // Fail only when nothing usable can come: a live model still pending may yet answer,
      // and its score would be the plurality.
      if (!reachable && pending === 0 && view.live.length > 0 && view.scores.length > 0) {
        return { action: 'fail', reason: `${name}: no successful score and quorum unreachable` };
      }
      return { action: 'wait' };
    },
  };
}
