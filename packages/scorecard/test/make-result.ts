import type { Candidate, Json, RendezvousResult } from '@rendezvous-ml/core';

/** A candidate written short: `ok('a@1', 2, 5)`, `err('a@1', 5)`, `pending('a@1')`. */
export const ok = (model: string, output: Json, latencyMs = 1): Candidate => ({
  model: identity(model),
  status: 'ok',
  output,
  latencyMs,
});
export const err = (model: string, latencyMs = 1): Candidate => ({
  model: identity(model),
  status: 'error',
  error: { code: 'PREDICT_FAILED', message: 'boom' },
  latencyMs,
});
export const pending = (model: string): Candidate => ({
  model: { name: model.split('@')[0]!, version: model.split('@')[1]! },
  status: 'pending',
});

function identity(model: string) {
  const [name, version] = model.split('@') as [string, string];
  return { name, version, instance: `${name}-${version}-i` };
}

let seq = 0;

/**
 * A decided result: answered by `chosen` (its candidate's output) when given, else failed.
 */
export function makeResult(options: {
  readonly candidates: readonly Candidate[];
  readonly late?: readonly Candidate[];
  readonly chosen?: string;
  readonly input?: Json;
  readonly latencyMs?: number;
  readonly id?: string;
}): RendezvousResult {
  const chosen = options.chosen
    ? options.candidates.find(
        (c) => c.status === 'ok' && `${c.model.name}@${c.model.version}` === options.chosen,
      )
    : undefined;
  const latencyMs = options.latencyMs ?? 1;
  const base = {
    requestId: options.id ?? `r${++seq}`,
    input: options.input ?? { x: 1 },
    candidates: options.candidates,
    late: options.late ?? [],
    decidedBy: { policy: 'test', reason: 'test', trigger: 'score' as const },
    startedAt: 0,
    decidedAt: latencyMs,
    latencyMs,
  };
  if (chosen && chosen.status === 'ok')
    return {
      ...base,
      status: 'answered',
      chosen: { model: chosen.model, output: chosen.output, latencyMs: chosen.latencyMs },
    };
  return { ...base, status: 'failed', error: { code: 'DEADLINE_EXCEEDED', message: 'late' } };
}
