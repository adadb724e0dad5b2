import { mkdtempSync, realpathSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveFileHandle,
  RollingGzipJsonlSink,
  readJsonlArchive,
} from '@rendezvous-ml/core';
import { sinkConformance } from '@rendezvous-ml/test-kit';
import { afterAll } from 'vitest';

const directory = realpathSync(mkdtempSync(join(tmpdir(), 'rendezvous-sink-conformance-')));
afterAll(() => rm(directory, { recursive: true, force: true }));

/** While `failing`, every append writes half its bytes and fails with ENOSPC: a torn write. */
let failing = false;
async function openFile(path: string): Promise<ArchiveFileHandle> {
  const real = await open(path, 'a');
  return {
    async appendFile(data) {
      if (!failing) return real.appendFile(data);
      await real.appendFile(data.subarray(0, data.length >> 1));
      throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' });
    },
    datasync: () => real.datasync(),
    truncate: (length) => real.truncate(length),
    close: () => real.close(),
  };
}

sinkConformance('RollingGzipJsonlSink', {
  create: () => new RollingGzipJsonlSink({ directory, maxRecords: 5, openFile }),
  readBack: () => readJsonlArchive(directory),
  fault: {
    inject: () => {
      failing = true;
    },
    heal: () => {
      failing = false;
    },
  },
});

// With `recentIds: 0` the sink stores every redelivered copy: the reader alone must dedupe.
sinkConformance('RollingGzipJsonlSink without its recent-ids window', {
  create: () => new RollingGzipJsonlSink({ directory, recentIds: 0, sync: false }),
  readBack: () => readJsonlArchive(directory),
});
