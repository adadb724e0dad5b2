import type { Client } from '@elastic/elasticsearch';
import type { CredentialRedactor } from '@rendezvous-ml/core/transport';
import { archiveIndexTemplate, deadLetterIndexTemplate } from './archive-index-template.js';
import type { IndexTemplateOptions } from './elasticsearch-sink-options.js';
import { toSinkWriteError } from './to-sink-write-error.js';

/**
 * The index templates an {@link ElasticsearchSink} installs: one per index, put once before the
 * first write to it. A failed put is forgotten, so the next write puts it again.
 *
 * @example
 * ```ts
 * const templates = new IndexTemplates({}, 'http://127.0.0.1:9200', redactor, 30_000);
 * await templates.ensure(client, 'decoy-log', false);
 * ```
 */
export class IndexTemplates {
  private readonly installed = new Map<string, Promise<void>>();

  /** `options` undefined: the user manages mappings, nothing is installed. */
  constructor(
    private readonly options: IndexTemplateOptions | undefined,
    private readonly target: string,
    private readonly redactor: CredentialRedactor,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Resolves once the template of `index` (a dead-letter index if `deadLetter`) is in place. */
  ensure(client: Client, index: string, deadLetter: boolean): Promise<void> {
    const options = this.options;
    if (!options) return Promise.resolve();
    let done = this.installed.get(index);
    if (!done) {
      const body = deadLetter
        ? deadLetterIndexTemplate(index, options)
        : archiveIndexTemplate(index, options);
      const name = `rendezvous-${deadLetter ? 'dead-letter' : 'archive'}-${index}`;
      done = client.indices
        .putIndexTemplate(
          { name, ...body } as unknown as Parameters<Client['indices']['putIndexTemplate']>[0],
          { maxRetries: 0, requestTimeout: this.requestTimeoutMs },
        )
        .then(
          () => undefined,
          (error: unknown) => {
            this.installed.delete(index);
            throw toSinkWriteError(
              error,
              `installing index template ${name} on ${this.target}`,
              this.redactor,
            );
          },
        );
      this.installed.set(index, done);
    }
    return done;
  }
}
