import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Client } from '@elastic/elasticsearch';
import type { ArchiveRecord } from '@rendezvous-ml/core';
import type { DeadLetterHandler } from './dead-letter-handler.js';

/**
 * Credentials for Elasticsearch: an API key (the encoded form, or its id and secret) or basic
 * auth. They are given to the client only and never appear in the sink's errors or inspection.
 */
export type ElasticsearchAuth =
  | { readonly apiKey: string | { readonly id: string; readonly api_key: string } }
  | { readonly username: string; readonly password: string };

/**
 * Where a record is indexed: one index name, or a function of the record (its `kind` first).
 * `archiveIndexByKind()` gives the default routing (`decoy-log`, `score-log`, `result-log`).
 */
export type ArchiveIndex =
  | string
  | ((kind: ArchiveRecord['kind'], record: ArchiveRecord) => string);

/**
 * How the sink retries transient failures (HTTP 429, 5xx, connection errors and timeouts)
 * before it gives up and rejects with a retryable `SinkWriteError`.
 *
 * @example
 * ```ts
 * const retry: ElasticsearchRetryOptions = { attempts: 5, initialDelayMs: 100, maxDelayMs: 5000 };
 * ```
 */
export interface ElasticsearchRetryOptions {
  /** Total attempts of the still unwritten records, the first included. Default 5. */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time, with jitter. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of one delay. Default 5000 ms. */
  readonly maxDelayMs?: number;
}

/**
 * Index template installation. The sink puts one composable template per index it writes to
 * (pattern = the exact index name), before its first write to that index.
 *
 * @example
 * ```ts
 * const templates: IndexTemplateOptions = { priority: 200, settings: { 'index.number_of_replicas': 0 } };
 * ```
 */
export interface IndexTemplateOptions {
  /** Template priority; must differ from other templates matching the same index. Default 100. */
  readonly priority?: number;
  /** Extra index settings, such as shards, replicas or `index.codec`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Options of {@link ElasticsearchSink}. Give `node`/`nodes` (the sink creates and owns a client)
 * or `client` (yours; the sink never closes it).
 *
 * @example
 * ```ts
 * const opts: ElasticsearchSinkOptions = {
 *   node: 'https://es.internal:9200',
 *   auth: { apiKey: process.env.ES_API_KEY ?? '' },
 *   tls: { ca: caPem },
 *   index: 'score-log',
 * };
 * ```
 */
export interface ElasticsearchSinkOptions {
  /** One node URL (or several). Credentials in the URL are used and redacted like `auth`. */
  readonly node?: string | readonly string[];
  /** Several node URLs. */
  readonly nodes?: readonly string[];
  /** A client you created. When given, `node`, `nodes`, `auth`, `tls` and `caFingerprint` are ignored. */
  readonly client?: Client;
  /**
   * Target index (or a function of the record). Default: by kind, `decoy-log` for requests,
   * `score-log` for scores, `result-log` for results (see `DEFAULT_ARCHIVE_INDICES`).
   */
  readonly index?: ArchiveIndex;
  readonly auth?: ElasticsearchAuth;
  /** TLS options of the connections (CA, client certificate, `rejectUnauthorized`). */
  readonly tls?: TlsConnectionOptions;
  /** SHA-256 fingerprint of the CA that signed the server certificate. */
  readonly caFingerprint?: string;
  /** Timeout of one HTTP request, in ms. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Upper bound of one `_bulk` body, in bytes. Default 5 MiB. A bigger single document is sent alone. */
  readonly maxBatchBytes?: number;
  /** Upper bound of the documents of one `_bulk` request. Default 1000. */
  readonly maxBatchDocs?: number;
  /**
   * `refresh` of the bulk requests: `true` makes the documents searchable before `write`
   * resolves, `'wait_for'` waits for the next refresh. Default `false` (searchable within the
   * index's refresh interval).
   */
  readonly refresh?: boolean | 'wait_for';
  /** Install an index template with the archive mappings before the first write. Default `true`. */
  readonly templates?: boolean | IndexTemplateOptions;
  /**
   * Where a document Elasticsearch refuses to map goes: a dead-letter index name, or a handler.
   * Default: the index `<index>-dead-letter` next to each target index.
   */
  readonly deadLetter?: string | DeadLetterHandler;
  /** Retries inside the sink, of only the records not yet written. */
  readonly retry?: ElasticsearchRetryOptions;
}
