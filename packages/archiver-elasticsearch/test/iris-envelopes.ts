import type { RequestEnvelope, ResultEnvelope, ScoreEnvelope } from '@rendezvous-ml/core';
import { WIRE_VERSION } from '@rendezvous-ml/core/wire';

/** Epoch ms of the first fixture request. */
export const T0 = Date.UTC(2025, 10, 25, 12, 0, 0);

/** An iris request `i`, with numeric features (or a string one, to provoke a mapping error). */
export function irisRequest(
  id: string,
  i: number,
  sepalLength: number | string = 4.3 + (i % 36) / 10,
): RequestEnvelope {
  return {
    v: WIRE_VERSION,
    id,
    ts: T0 + i,
    deadline: T0 + i + 1000,
    replyTo: 'memory-reply-fe-1',
    input: {
      sepalLength,
      sepalWidth: 2 + (i % 24) / 10,
      petalLength: 1 + (i % 59) / 10,
      petalWidth: 0.1 + (i % 25) / 10,
    },
    meta: { traceparent: `00-${id.padStart(32, '0').slice(-32)}-0000000000000001-01` },
  };
}

/** The score of `model@version` for request `i`: a class 0..2, in `latencyMs`. */
export function irisScore(
  requestId: string,
  i: number,
  model: { name: string; version: string },
  output: number,
  latencyMs: number,
): ScoreEnvelope {
  const receivedAt = T0 + i + 1;
  const startedAt = receivedAt + 1;
  return {
    v: WIRE_VERSION,
    requestId,
    model: { ...model, instance: `${model.name}-${model.version}-a` },
    ok: true,
    output,
    receivedAt,
    startedAt,
    finishedAt: startedAt + latencyMs,
  };
}

/**
 * The front end's result for request `i`: `winner` chosen (class `output`, answered after
 * `latencyMs`), `other` a second candidate that scored too, and `late` models that scored
 * after the decision.
 */
export function irisResult(
  requestId: string,
  i: number,
  winner: { name: string; version: string },
  output: number,
  latencyMs: number,
  {
    other,
    late = [],
  }: { other?: { name: string; version: string }; late?: { name: string; version: string }[] } = {},
): ResultEnvelope {
  const startedAt = T0 + i;
  const identity = (m: { name: string; version: string }) => ({
    ...m,
    instance: `${m.name}-${m.version}-a`,
  });
  return {
    v: WIRE_VERSION,
    requestId,
    input: irisRequest(requestId, i).input,
    status: 'answered',
    chosen: { model: identity(winner), output, latencyMs },
    candidates: [
      { model: identity(winner), status: 'ok', output, latencyMs },
      ...(other ? [{ model: other, status: 'pending' as const }] : []),
    ],
    late: late.map((m) => ({
      model: identity(m),
      status: 'ok' as const,
      output,
      latencyMs: latencyMs + 5,
    })),
    decidedBy: {
      policy: 'latestVersion',
      reason: `${winner.name}@${winner.version}`,
      trigger: 'score',
    },
    startedAt,
    decidedAt: startedAt + latencyMs,
    latencyMs,
  };
}
