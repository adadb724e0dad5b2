import { CredentialRedactor, satisfiesVersionRange } from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';
import { splitIntoBulkChunks } from '../src/bulk-chunks.js';
import { bulkItemOutcome } from '../src/bulk-item-outcome.js';
import { elasticsearchSecrets } from '../src/elasticsearch-secrets.js';
import { ELASTICSEARCH_CLIENT_RANGE, loadElasticsearch } from '../src/load-elasticsearch.js';

describe('splitIntoBulkChunks', () => {
  it('bounds each chunk by bytes and by documents, and sends an oversized entry alone', () => {
    const sizes = (chunks: { bytes: number }[][]) => chunks.map((c) => c.map((e) => e.bytes));
    expect(
      sizes(splitIntoBulkChunks([{ bytes: 60 }, { bytes: 60 }, { bytes: 10 }], 100, 1000)),
    ).toEqual([[60], [60, 10]]);
    expect(sizes(splitIntoBulkChunks([{ bytes: 1 }, { bytes: 1 }, { bytes: 1 }], 100, 2))).toEqual([
      [1, 1],
      [1],
    ]);
    expect(sizes(splitIntoBulkChunks([{ bytes: 500 }, { bytes: 1 }], 100, 10))).toEqual([
      [500],
      [1],
    ]);
    expect(splitIntoBulkChunks([], 100, 10)).toEqual([]);
  });
});

describe('bulkItemOutcome', () => {
  it('retries 429 and 5xx, dead-letters mapping errors, fails the rest', () => {
    expect(bulkItemOutcome(201)).toBe('written');
    expect(bulkItemOutcome(429, 'es_rejected_execution_exception')).toBe('retry');
    expect(bulkItemOutcome(503, 'unavailable_shards_exception')).toBe('retry');
    expect(bulkItemOutcome(400, 'document_parsing_exception')).toBe('dead-letter');
    expect(bulkItemOutcome(400, 'mapper_parsing_exception')).toBe('dead-letter');
    expect(bulkItemOutcome(400, 'invalid_index_name_exception')).toBe('fail');
    expect(bulkItemOutcome(403, 'cluster_block_exception')).toBe('fail');
  });
});

describe('CredentialRedactor', () => {
  it('removes passwords, API keys, their base64 forms and URL credentials', () => {
    const r = new CredentialRedactor(
      elasticsearchSecrets({ username: 'archiver', password: 'pw-1' }, ['http://u:url-pw@h:9200']),
    );
    const basic = Buffer.from('archiver:pw-1').toString('base64');
    const text = r.redact(`pw-1 ${basic} url-pw http://x:y@host/ archiver`);
    expect(text).not.toMatch(/pw-1|url-pw|x:y|archiver/);
    expect(text).not.toContain(basic);
    // the URL's one-letter username is not a secret: redacting it would eat every "u"
    expect(r.redact('queue full')).toBe('queue full');
    const k = new CredentialRedactor(
      elasticsearchSecrets({ apiKey: { id: 'kid', api_key: 'ksecret' } }, []),
    );
    expect(k.redact(`ksecret ${Buffer.from('kid:ksecret').toString('base64')}`)).toBe(
      '[redacted] [redacted]',
    );
    expect(CredentialRedactor.safeUrl('https://u:p@es:9200/')).toBe('https://es:9200');
  });
});

describe('loadElasticsearch', () => {
  it('accepts 8.13 to 9.x and loads the installed client', async () => {
    const supported = (v: string) => satisfiesVersionRange(v, ELASTICSEARCH_CLIENT_RANGE);
    expect(supported('8.13.0')).toBe(true);
    expect(supported('9.5.1')).toBe(true);
    expect(supported('8.12.2')).toBe(false);
    expect(supported('10.0.0')).toBe(false);
    expect(typeof (await loadElasticsearch()).Client).toBe('function');
  });
});
