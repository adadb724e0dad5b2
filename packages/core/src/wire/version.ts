/**
 * The wire format version this build writes and reads.
 *
 * @example
 * ```ts
 * if (envelope.v !== WIRE_VERSION) console.warn('written by another version');
 * ```
 */
export const WIRE_VERSION = 1;
