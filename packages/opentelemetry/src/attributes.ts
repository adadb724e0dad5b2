/**
 * The names of the span attributes and events this package records, so that queries and tests
 * need not repeat the strings. Every one is documented in the package README.
 *
 * @example
 * ```ts
 * const chosen = span.attributes[RendezvousAttributes.CHOSEN_MODEL_NAME];
 * ```
 */
export const RendezvousAttributes = {
  REQUEST_ID: 'rendezvous.request.id',
  REQUEST_DEADLINE_MS: 'rendezvous.request.deadline_ms',
  REQUEST_STATUS: 'rendezvous.request.status',
  REQUEST_LATENCY_MS: 'rendezvous.request.latency_ms',
  FRONT_END: 'rendezvous.front_end.instance',
  POLICY_NAME: 'rendezvous.policy.name',
  POLICY_VERSION: 'rendezvous.policy.version',
  DECISION_REASON: 'rendezvous.decision.reason',
  DECISION_TRIGGER: 'rendezvous.decision.trigger',
  CANDIDATES: 'rendezvous.decision.candidates',
  CHOSEN_MODEL_NAME: 'rendezvous.chosen.model.name',
  CHOSEN_MODEL_VERSION: 'rendezvous.chosen.model.version',
  CHOSEN_MODEL_INSTANCE: 'rendezvous.chosen.model.instance',
  MODEL_NAME: 'rendezvous.model.name',
  MODEL_VERSION: 'rendezvous.model.version',
  MODEL_INSTANCE: 'rendezvous.model.instance',
  SCORE_OK: 'rendezvous.score.ok',
  SCORE_ARRIVAL: 'rendezvous.score.arrival',
  SCORE_LATENCY_MS: 'rendezvous.score.latency_ms',
  PREDICTION_OUTCOME: 'rendezvous.prediction.outcome',
  PREDICTION_QUEUE_MS: 'rendezvous.prediction.queue_time_ms',
  PREDICTION_PREDICT_MS: 'rendezvous.prediction.predict_time_ms',
  DELIVERY_COUNT: 'rendezvous.delivery.count',
  LATE_SCORES: 'rendezvous.late_scores.count',
  /** The OpenTelemetry semantic convention for the class of an error: a Rendezvous error code. */
  ERROR_TYPE: 'error.type',
} as const;

/**
 * The names of the spans and span events this package records.
 *
 * @example
 * ```ts
 * const requestSpans = exporter.getFinishedSpans().filter((s) => s.name === RendezvousSpans.REQUEST);
 * ```
 */
export const RendezvousSpans = {
  /** The front end's span of one request, from `request()` to the decision. */
  REQUEST: 'rendezvous.request',
  /** A worker's span of one prediction (one delivery), from its start to its score's send. */
  PREDICTION: 'rendezvous.prediction',
  /** From the decision until the mailbox closes; exists only if a score came after the decision. */
  LATE_SCORES: 'rendezvous.late_scores',
  /** Event: a score reached the front end. */
  SCORE_EVENT: 'rendezvous.score',
  /** Event: the policy decided (answered or failed). */
  DECISION_EVENT: 'rendezvous.decision',
} as const;
