/** Keys whose values are secrets: passwords, tokens, SASL and TLS material. */
const SECRET_KEY =
  /pass|secret|token|sasl|credential|authorization|private|^key$|^cert$|^ca$|^pfx$/i;

/**
 * A copy of `value` in which every field whose key looks like a secret (passwords, tokens,
 * SASL and TLS material) reads `[redacted]`, recursively (six levels deep). For structured
 * logs, where a client hands over its settings as objects.
 *
 * @example
 * ```ts
 * redactFields({ sasl: { password: 'p' }, broker: 'b:9092' }); // { sasl: '[redacted]', broker: 'b:9092' }
 * ```
 */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 6 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactFields(v, depth + 1);
  }
  return out;
}
