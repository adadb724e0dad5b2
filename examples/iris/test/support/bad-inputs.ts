/**
 * A marker value: bad inputs carry it, so a test can prove none of them reached the archive.
 */
export const POISON = 424242.5;

/** One kind of bad `/predict` request and what the front end must answer. */
export interface BadInput {
  readonly name: string;
  /** Sent as is. */
  readonly raw: string;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
}

const valid = { sepalLength: POISON, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
const json = (v: unknown): string => JSON.stringify(v);

/** The bad-input list: each gets a 4xx with `{"error":{"code","message"}}`. */
export const BAD_INPUTS: readonly BadInput[] = [
  {
    name: 'a missing field',
    raw: json({ sepalLength: POISON, sepalWidth: 3.5, petalLength: 1.4 }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'a numeric string',
    raw: json({ ...valid, sepalWidth: '3.5' }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'a non-numeric field',
    raw: json({ ...valid, petalWidth: 'wide' }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'a boolean field',
    raw: json({ ...valid, petalLength: true }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'a null field',
    raw: json({ ...valid, petalLength: null }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'an extra field',
    raw: json({ ...valid, colour: 'blue' }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  { name: 'a null body', raw: 'null', status: 400, code: 'INVALID_INPUT' },
  { name: 'an array body', raw: json([POISON, 3.5, 1.4, 0.2]), status: 400, code: 'INVALID_INPUT' },
  { name: 'a number body', raw: '42', status: 400, code: 'INVALID_INPUT' },
  {
    name: 'malformed JSON',
    raw: `{"sepalLength": ${POISON},`,
    status: 400,
    code: 'MALFORMED_JSON',
  },
  { name: 'an empty body', raw: '', status: 400, code: 'EMPTY_BODY' },
  {
    name: 'a body over the size limit',
    raw: json({ ...valid, padding: 'x'.repeat(4096) }),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    name: 'a non-finite number (1e999 parses to Infinity)',
    raw: `{"sepalLength":${POISON},"sepalWidth":1e999,"petalLength":1.4,"petalWidth":0.2}`,
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'a body that is not JSON',
    raw: `sepalLength=${POISON}`,
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];
