import { CredentialRedactor } from '@rendezvous-ml/core/transport';
import type { ElasticsearchAuth } from './elasticsearch-sink-options.js';

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** A username is redacted only from 4 characters on: a shorter one would eat ordinary words. */
const MIN_USERNAME = 4;

function urlUsername(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).username) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every secret an {@link ElasticsearchSink} is configured with, for the core kit's
 * `CredentialRedactor`: the password or API key of `auth` and the forms the client sends them
 * in (`Authorization: Basic` and `ApiKey` base64), the credentials of the node URLs, and the
 * usernames (of 4 characters or more).
 *
 * @example
 * ```ts
 * const redactor = new CredentialRedactor(elasticsearchSecrets({ username: 'u', password: 's3cret' }, []));
 * redactor.redact('auth s3cret failed'); // 'auth [redacted] failed'
 * ```
 */
export function elasticsearchSecrets(
  auth: ElasticsearchAuth | undefined,
  nodeUrls: readonly string[],
): string[] {
  const secrets: string[] = nodeUrls.flatMap((url) => CredentialRedactor.urlSecrets(url));
  for (const url of nodeUrls) {
    const user = urlUsername(url);
    if (user && user.length >= MIN_USERNAME) secrets.push(user);
  }
  if (auth && 'apiKey' in auth) {
    const key = auth.apiKey;
    if (typeof key === 'string') secrets.push(key);
    else secrets.push(key.api_key, base64(`${key.id}:${key.api_key}`));
  } else if (auth) {
    secrets.push(auth.password, base64(`${auth.username}:${auth.password}`));
    if (auth.username.length >= MIN_USERNAME) secrets.push(auth.username);
  }
  return secrets;
}
