import { type ArchiveRecord, RejectedRecordsError } from '@rendezvous-ml/core';
import { decodeRequest } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { ElasticsearchSink } from '../src/index.js';
import { deeplyNestedPayload } from './poison-envelopes.js';

describe('ElasticsearchSink: a record that cannot be encoded', () => {
  it('is refused for good by id (RejectedRecordsError, not retryable), without a request to the node', async () => {
    const decoded = decodeRequest(deeplyNestedPayload('deep'));
    if (!decoded.ok) throw decoded.error;
    const record: ArchiveRecord = {
      kind: 'request',
      id: 'deep',
      requestId: 'deep',
      archivedAt: 0,
      request: decoded.value,
    };
    // Port 1 is never listened on: a request would fail with a retryable ConnectionError.
    const sink = new ElasticsearchSink({ node: 'http://127.0.0.1:1', index: 'decoy-log' });
    const error = await sink.write([record]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRecordsError);
    expect((error as RejectedRecordsError).retryable).toBe(false);
    expect((error as RejectedRecordsError).rejected).toEqual([
      { id: 'deep', reason: expect.stringMatching(/cannot encode record deep: RangeError/) },
    ]);
    expect(sink.stats()).toMatchObject({ bulkRequests: 0, failedWrites: 1 });
    await sink.close();
  });
});
