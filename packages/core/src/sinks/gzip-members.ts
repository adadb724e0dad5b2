import * as zlib from 'node:zlib';

/**
 * One stretch of a gzip file: a whole member that passed its CRC32 and length check, or a torn
 * stretch (a member cut short by a crash or a full disk, or bytes that are no gzip at all).
 */
export type GzipStretch =
  | { readonly kind: 'member'; readonly offset: number; readonly data: Buffer }
  | { readonly kind: 'torn'; readonly offset: number; readonly length: number };

const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const RESERVED = 0xe0;

/**
 * Splits a file of concatenated gzip members (RFC 1952) into whole members and torn stretches.
 * A member that does not inflate or whose trailer does not match is torn; reading resumes at
 * the next gzip header after its first byte, so members appended behind torn bytes still count.
 * `zlib.gunzipSync` of the whole file would throw instead and lose everything after the tear.
 */
export function* gzipStretches(file: Buffer): Generator<GzipStretch> {
  let offset = 0;
  let tornAt: number | undefined;
  while (offset < file.length) {
    const data = memberAt(file, offset);
    if (data) {
      if (tornAt !== undefined) yield { kind: 'torn', offset: tornAt, length: offset - tornAt };
      tornAt = undefined;
      yield { kind: 'member', offset, data: data.data };
      offset = data.end;
      continue;
    }
    tornAt ??= offset;
    const next = file.indexOf(MAGIC, offset + 1);
    offset = next === -1 ? file.length : next;
  }
  if (tornAt !== undefined) yield { kind: 'torn', offset: tornAt, length: file.length - tornAt };
}

/** The member starting at `offset`, or `undefined` if there is no whole, valid member there. */
function memberAt(file: Buffer, offset: number): { data: Buffer; end: number } | undefined {
  const body = headerEnd(file, offset);
  if (body === undefined) return undefined;
  let data: Buffer;
  let consumed: number;
  try {
    // `info` exposes the engine, whose bytesWritten is how much deflate input the member used:
    // inflate stops at the end of the deflate stream, so what follows is the trailer.
    const out = zlib.inflateRawSync(file.subarray(body), { info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    data = out.buffer;
    consumed = out.engine.bytesWritten;
  } catch {
    return undefined;
  }
  const trailer = body + consumed;
  if (trailer + 8 > file.length) return undefined;
  if (file.readUInt32LE(trailer) !== crc32(data)) return undefined;
  if (file.readUInt32LE(trailer + 4) !== data.length % 2 ** 32) return undefined;
  return { data, end: trailer + 8 };
}

/** Where the deflate data of the member at `offset` starts, or `undefined` if no valid header. */
function headerEnd(file: Buffer, offset: number): number | undefined {
  if (offset + 10 > file.length || file.compare(MAGIC, 0, 3, offset, offset + 3) !== 0)
    return undefined;
  const flags = file[offset + 3] ?? 0;
  if (flags & RESERVED) return undefined;
  let at = offset + 10;
  if (flags & FEXTRA) {
    if (at + 2 > file.length) return undefined;
    at += 2 + file.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const zero = file.indexOf(0, at);
    if (zero === -1) return undefined;
    at = zero + 1;
  }
  if (flags & FHCRC) at += 2;
  return at < file.length ? at : undefined;
}

let table: Uint32Array | undefined;

/** Node's own CRC-32 (native, from Node 20.15 and 22.2); `undefined` on older runtimes. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE) of `data`, as in the gzip trailer: Node's when it has one, else {@link tableCrc32}. */
function crc32(data: Buffer): number {
  return nativeCrc32 ? nativeCrc32(data) : tableCrc32(data);
}

/**
 * CRC-32 (IEEE) by table, for runtimes without `zlib.crc32` (Node before 20.15). Exported for
 * its test, which holds it to `zlib.crc32`; not part of the package's API.
 */
export function tableCrc32(data: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    crc = (table[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
