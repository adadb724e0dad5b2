import { CredentialRedactor, redactFields } from '@rendezvous-ml/core/transport';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('CredentialRedactor', () => {
  it('removes every configured secret, even one inside another and repeated', () => {
    const secret = fc
      .string({ minLength: 3, maxLength: 12 })
      .filter((s) => s.trim() === s && s.length >= 3);
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), (s, before, after) => {
        const r = new CredentialRedactor([s, `${s}${s}`, undefined, '']);
        const out = r.redact(`${before}${s}${after}${s}${s}`);
        expect(out.split('[redacted]').join('')).not.toContain(`${s}${s}`);
        expect(out).toContain('[redacted]');
      }),
    );
  });

  it('removes URL credentials, their decoded and base64 forms, and password= settings', () => {
    const url = 'redis://svc:p%40ss@h:6379/0';
    const r = new CredentialRedactor(CredentialRedactor.urlSecrets(url));
    const basic = Buffer.from('svc:p@ss').toString('base64');
    const out = r.redact(
      `p@ss ${basic} at ${url} and nats://a:b@h password=hunter2 "token": "t0k"`,
    );
    expect(out).not.toMatch(/p@ss|p%40ss|a:b@|hunter2|t0k/);
    expect(out).not.toContain(basic);
    expect(CredentialRedactor.urlSecrets('127.0.0.1:4222')).toEqual([]);
    expect(CredentialRedactor.urlSecrets('u:pw@127.0.0.1:4222')).toContain('pw');
    expect(CredentialRedactor.safeUrl('https://u:p@es:9200/')).toBe('https://es:9200');
    expect(CredentialRedactor.safeUrl('not a url')).toBe('(invalid URL)');
  });
});

describe('redactFields', () => {
  it('replaces secret-looking fields at any depth and keeps the rest', () => {
    expect(
      redactFields({
        broker: 'b:9092',
        sasl: { password: 'p' },
        nested: [{ apiToken: 't', n: 1 }],
      }),
    ).toEqual({ broker: 'b:9092', sasl: '[redacted]', nested: [{ apiToken: '[redacted]', n: 1 }] });
    expect(redactFields('plain')).toBe('plain');
  });
});
