import type { IndexTemplateOptions } from './elasticsearch-sink-options.js';

/** A mapping of one field, as sent to Elasticsearch. */
type FieldMapping = Readonly<Record<string, unknown>>;

/**
 * The body of a composable index template (`PUT _index_template/<name>`).
 *
 * @example
 * ```ts
 * const body: ArchiveIndexTemplateBody = archiveIndexTemplate('score-log');
 * await client.indices.putIndexTemplate({ name: 'rendezvous-archive-score-log', ...body });
 * ```
 */
export interface ArchiveIndexTemplateBody {
  readonly index_patterns: readonly string[];
  readonly priority: number;
  readonly template: {
    readonly settings?: Readonly<Record<string, string | number | boolean>>;
    readonly mappings: Readonly<Record<string, unknown>>;
  };
  readonly _meta: Readonly<Record<string, string>>;
}

const keyword: FieldMapping = { type: 'keyword', ignore_above: 1024 };
const date: FieldMapping = { type: 'date' };
const double: FieldMapping = { type: 'double' };
const stored: FieldMapping = { type: 'object', enabled: false };
/** A `ModelIdentity` (name, version, instance), searchable by each part. */
const modelIdentity: FieldMapping = {
  properties: {
    name: { type: 'keyword' },
    version: { type: 'keyword' },
    instance: { type: 'keyword' },
  },
};

function template(
  index: string,
  options: IndexTemplateOptions,
  mappings: Readonly<Record<string, unknown>>,
): ArchiveIndexTemplateBody {
  return {
    index_patterns: [index],
    priority: options.priority ?? 100,
    template: { ...(options.settings ? { settings: options.settings } : {}), mappings },
    _meta: { managed_by: '@rendezvous-ml/archiver-elasticsearch' },
  };
}

/**
 * The template of an archive index: `timestamp` and the other instants are dates, model name,
 * version and instance are keywords (for scores in `model.*`, for results in `chosen.model.*`),
 * `latencyMs`/`queueMs` are doubles, a result's `status`, `decidedBy.*` and counts are keywords
 * and integers, every numeric input feature is a double and every string a keyword; raw outputs
 * are stored but not indexed. One template serves every kind, so one index may hold several.
 *
 * @example
 * ```ts
 * await client.indices.putIndexTemplate({ name: 'rendezvous-archive-decoy-log', ...archiveIndexTemplate('decoy-log') });
 * ```
 */
export function archiveIndexTemplate(
  index: string,
  options: IndexTemplateOptions = {},
): ArchiveIndexTemplateBody {
  return template(index, options, {
    dynamic_templates: [
      {
        input_numbers_as_double: {
          path_match: 'input.*',
          match_mapping_type: ['long', 'double'],
          mapping: double,
        },
      },
      { strings_as_keywords: { match_mapping_type: 'string', mapping: keyword } },
    ],
    properties: {
      kind: { type: 'keyword' },
      id: { type: 'keyword' },
      requestId: { type: 'keyword' },
      timestamp: date,
      archivedAt: date,
      input: { type: 'object' },
      inputValue: stored,
      deadline: date,
      replyTo: keyword,
      meta: { type: 'object' },
      model: modelIdentity,
      ok: { type: 'boolean' },
      output: stored,
      result: keyword,
      resultNumber: double,
      error: { properties: { code: { type: 'keyword' }, message: { type: 'text' } } },
      receivedAt: date,
      startedAt: date,
      finishedAt: date,
      latencyMs: double,
      queueMs: double,
      status: { type: 'keyword' },
      chosen: {
        properties: {
          model: modelIdentity,
          latencyMs: double,
          result: keyword,
          resultNumber: double,
        },
      },
      decidedBy: {
        properties: {
          policy: { type: 'keyword' },
          reason: keyword,
          trigger: { type: 'keyword' },
        },
      },
      candidateCount: { type: 'integer' },
      lateCount: { type: 'integer' },
      decidedAt: date,
      event: stored,
    },
  });
}

/**
 * The template of a dead-letter index: the refused record is stored whole (not indexed) with
 * the target index and Elasticsearch's reason. Its mapping is not dynamic, so a dead letter
 * itself can never be refused.
 *
 * @example
 * ```ts
 * await client.indices.putIndexTemplate({ name: 'rendezvous-dead-letter-decoy-log-dead-letter', ...deadLetterIndexTemplate('decoy-log-dead-letter') });
 * ```
 */
export function deadLetterIndexTemplate(
  index: string,
  options: IndexTemplateOptions = {},
): ArchiveIndexTemplateBody {
  return template(index, options, {
    dynamic: false,
    properties: {
      timestamp: date,
      index: { type: 'keyword' },
      id: { type: 'keyword' },
      requestId: { type: 'keyword' },
      kind: { type: 'keyword' },
      status: { type: 'integer' },
      type: { type: 'keyword' },
      reason: { type: 'text' },
      record: stored,
    },
  });
}
