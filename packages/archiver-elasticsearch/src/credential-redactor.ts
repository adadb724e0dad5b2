import type { ElasticsearchAuth } from './elasticsearch-sink-options.js';

const REDACTED = '[redacted]';

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [decodeURIComponent(u.username), decodeURIComponent(u.password), u.username, u.password];
  } catch {
    return [];
  }
}

/**
 * Removes credentials from any text the sink produces (error messages, causes): every secret
 * it was configured with, in plain and in its encoded (base64) forms, and any `user:password@`
 * part of a URL.
 *
 * @example
 * ```ts
 * const redactor = new CredentialRedactor({ username: 'u', password: 's3cret' }, []);
 * redactor.redact('auth s3cret failed'); // 'auth [redacted] failed'
 * ```
 */
export class CredentialRedactor {
  private readonly secrets: readonly string[];

  constructor(auth: ElasticsearchAuth | undefined, nodeUrls: readonly string[]) {
    const secrets: string[] = nodeUrls.flatMap(urlSecrets);
    if (auth && 'apiKey' in auth) {
      const key = auth.apiKey;
      if (typeof key === 'string') secrets.push(key);
      else {
        secrets.push(key.api_key, Buffer.from(`${key.id}:${key.api_key}`).toString('base64'));
      }
    } else if (auth) {
      secrets.push(
        auth.password,
        Buffer.from(`${auth.username}:${auth.password}`).toString('base64'),
      );
      if (auth.username.length >= 4) secrets.push(auth.username);
    }
    for (const url of nodeUrls) {
      const [user, password] = urlSecrets(url);
      if (user && password) secrets.push(Buffer.from(`${user}:${password}`).toString('base64'));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set(secrets.filter((s) => s.length > 0))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** The node URL without its `user:password@` part. */
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

  /** `text` with every known secret and URL credentials replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text.replace(/\/\/[^/\s@]*@/g, `//${REDACTED}@`);
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}
