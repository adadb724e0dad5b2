import type { Candidate, ModelRef, RendezvousResult } from '@rendezvous-ml/core';
import { type IrisInput, type IrisLabel, labelOf } from './iris-input.js';

/** One model's part in a request, as `/predict` reports it. */
export interface ProvenanceCandidate {
  readonly modelName: string;
  readonly modelVersion: string;
  /** The worker instance that scored, when one did. */
  readonly instance?: string;
  /**
   * - `ok` / `error`: the model scored (successfully or not) before the decision;
   * - `pending`: alive, but had not scored when the answer was chosen (not waited for);
   * - `not-live`: a known model with no recent heartbeat, so the front end did not wait for it.
   */
  readonly status: 'ok' | 'error' | 'pending' | 'not-live';
  readonly chosen: boolean;
  /** From the front end's request to this model's score, in ms. */
  readonly latencyMs?: number;
  readonly result?: number;
  readonly label?: IrisLabel;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * The body of a `200 /predict`: the reference implementation's fields (`timestamp`,
 * `messageId`, `modelInput`, `modelResult.modelName`, `modelResult.result`), plus the model
 * version, the label and the provenance of the answer.
 */
export interface PredictResponse {
  /** When the request was accepted, in seconds since the epoch. */
  readonly timestamp: number;
  readonly messageId: string;
  readonly modelInput: IrisInput;
  readonly modelResult: {
    readonly modelName: string;
    readonly modelVersion: string;
    readonly result: number;
    readonly label: IrisLabel | undefined;
  };
  readonly provenance: {
    readonly policy: string;
    /** The policy's explanation of its choice. */
    readonly reason: string;
    /** What triggered the decision: a score, the deadline, a model leaving... */
    readonly trigger: string;
    /** From acceptance to decision, in ms. */
    readonly latencyMs: number;
    readonly deadlineMs: number;
    readonly candidates: readonly ProvenanceCandidate[];
  };
}

function candidateOut(
  c: Candidate<number>,
  chosen: RendezvousResult<IrisInput, number>['chosen'],
): ProvenanceCandidate {
  const base = { modelName: c.model.name, modelVersion: c.model.version };
  if (c.status === 'pending') return { ...base, status: 'pending', chosen: false };
  const isChosen =
    chosen !== undefined &&
    chosen.model.name === c.model.name &&
    chosen.model.version === c.model.version;
  if (c.status === 'error')
    return {
      ...base,
      instance: c.model.instance,
      status: 'error',
      chosen: false,
      latencyMs: c.latencyMs,
      error: c.error,
    };
  return {
    ...base,
    instance: c.model.instance,
    status: 'ok',
    chosen: isChosen,
    latencyMs: c.latencyMs,
    result: c.output,
    label: labelOf(c.output),
  };
}

/**
 * Turns a front-end result into the `/predict` body. `known` lists the models the deployment
 * expects, so that a model that is down shows up as `not-live` rather than silently missing.
 */
export function toPredictResponse(
  result: RendezvousResult<IrisInput, number>,
  deadlineMs: number,
  known: readonly ModelRef[],
): PredictResponse {
  const chosen = result.chosen;
  if (!chosen) throw new Error(`request ${result.requestId} has no chosen score`);
  const candidates = result.candidates.map((c) => candidateOut(c, chosen));
  const seen = new Set(result.candidates.map((c) => `${c.model.name}@${c.model.version}`));
  for (const m of known) {
    if (seen.has(`${m.name}@${m.version}`)) continue;
    candidates.push({
      modelName: m.name,
      modelVersion: m.version,
      status: 'not-live',
      chosen: false,
    });
  }
  return {
    timestamp: result.startedAt / 1000,
    messageId: result.requestId,
    modelInput: result.input,
    modelResult: {
      modelName: chosen.model.name,
      modelVersion: chosen.model.version,
      result: chosen.output,
      label: labelOf(chosen.output),
    },
    provenance: {
      policy: result.decidedBy.policy,
      reason: result.decidedBy.reason,
      trigger: result.decidedBy.trigger,
      latencyMs: result.latencyMs,
      deadlineMs,
      candidates,
    },
  };
}
