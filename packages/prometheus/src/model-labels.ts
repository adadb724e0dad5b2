/**
 * The `model` and `version` labels of one model version.
 *
 * @example
 * ```ts
 * const dt: ModelLabelValues = { model: 'dt', version: '1' };
 * ```
 */
export type ModelLabelValues = { readonly model: string; readonly version: string };

/**
 * The label values every model version past the cap shares.
 *
 * @example
 * ```ts
 * const strays = `rendezvous_answers_total{model="${OTHER_MODEL.model}",version="${OTHER_MODEL.version}"}`;
 * ```
 */
export const OTHER_MODEL: ModelLabelValues = { model: 'other', version: 'other' };

/**
 * Keeps the `model`/`version` label set bounded: scores can come from any worker on the
 * transport (a foreign one, a misconfigured one), so only the first `max` model versions seen
 * get their own series; the rest are counted under `model="other",version="other"`.
 *
 * @example
 * ```ts
 * const labels = new ModelLabels(2);
 * labels.of('dt', '1'); // { model: 'dt', version: '1' }
 * ```
 */
export class ModelLabels {
  private readonly seen = new Map<string, ModelLabelValues>();

  constructor(private readonly max: number) {}

  /** The label values of `name@version`. */
  of(name: string, version: string): ModelLabelValues {
    const key = `${name}@${version}`;
    const known = this.seen.get(key);
    if (known) return known;
    if (this.seen.size >= this.max) return OTHER_MODEL;
    const values = { model: name, version };
    this.seen.set(key, values);
    return values;
  }

  /** The label values of a `name@version` key (the scorecard's). */
  ofKey(key: string): ModelLabelValues {
    const at = key.lastIndexOf('@');
    return at < 0 ? this.of(key, '') : this.of(key.slice(0, at), key.slice(at + 1));
  }
}
