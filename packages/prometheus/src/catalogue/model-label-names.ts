/** The `model` and `version` label names of a model version. */
export const MODEL = ['model', 'version'] as const;
