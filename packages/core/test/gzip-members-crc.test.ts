import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gzipStretches, tableCrc32 } from '../src/sinks/gzip-members.js';

describe('the CRC-32 of gzip trailers', () => {
  it('by table equals zlib.crc32 on any bytes (the fallback of runtimes without it)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        expect(tableCrc32(bytes)).toBe(zlib.crc32(bytes));
      }),
    );
  });

  it('reads a whole member and calls one with a flipped trailer bit torn', () => {
    const member = zlib.gzipSync(Buffer.from('{"id":"a"}\n'));
    expect([...gzipStretches(member)].map((s) => s.kind)).toEqual(['member']);
    const bad = Buffer.from(member);
    const crcAt = bad.length - 8;
    bad[crcAt] = (bad[crcAt] ?? 0) ^ 1;
    expect([...gzipStretches(bad)].map((s) => s.kind)).toEqual(['torn']);
  });
});
