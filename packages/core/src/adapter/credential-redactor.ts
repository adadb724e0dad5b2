/** What a redacted secret reads as. */
const REDACTED = '[redacted]';
/** The `user:password@` part of any URL in a text. */
const URL_USERINFO = /\/\/[^/\s@]*@/g;
/** `password=...`, `"token": "..."` and the like, as a client may print its settings. */
const KEY_VALUE = /(password|passwd|secret|token|credentials?)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

/**
 * Removes credentials from any text an adapter produces (error messages, their causes, log
 * lines): every secret it was configured with, the `user:password@` part of any URL, and
 * `password=…`-style settings. Secrets are replaced longest first, so a secret that contains
 * another goes whole. One redactor per adapter instance, built from its options.
 *
 * @example
 * ```ts
 * const redactor = new CredentialRedactor(['s3cret', ...CredentialRedactor.urlSecrets(url)]);
 * redactor.redact('WRONGPASS s3cret at redis://u:s3cret@h:6379'); // no s3cret left
 * ```
 */
export class CredentialRedactor {
  private readonly secrets: readonly string[];

  constructor(secrets: Iterable<string | undefined> = []) {
    const unique = new Set<string>();
    for (const s of secrets) if (s) unique.add(s);
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
  }

  /**
   * The secrets of a URL: its password (as written and URL-decoded), `user:password` and its
   * base64 form (what an HTTP `Authorization: Basic` header carries). Empty for a URL without
   * credentials, or a text that is not a URL.
   */
  static urlSecrets(url: string): string[] {
    let u: URL;
    try {
      u = new URL(url.includes('://') ? url : `scheme://${url}`);
    } catch {
      return [];
    }
    if (!u.password) return [];
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    return [
      u.password,
      password,
      `${u.username}:${u.password}`,
      `${user}:${password}`,
      Buffer.from(`${user}:${password}`).toString('base64'),
    ];
  }

  /** `url` without its `user:password@` part (and its trailing slash), for messages. */
  static safeUrl(url: string): string {
    try {
      const u = new URL(url);
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/$/, '');
    } catch {
      return '(invalid URL)';
    }
  }

  /** `text` with every known secret, URL credentials and `password=…` value replaced. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out.replace(URL_USERINFO, `//${REDACTED}@`).replace(KEY_VALUE, `$1$2${REDACTED}`);
  }
}
