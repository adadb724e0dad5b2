import { MissingPeerDependencyError } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { loadIoredis } from '../src/load-ioredis.js';

describe('loadIoredis', () => {
  it('fails with an "install ioredis" error when ioredis is missing', async () => {
    const missing = async (): Promise<unknown> => {
      throw Object.assign(new Error("Cannot find package 'ioredis'"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    };
    const error = await loadIoredis(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as MissingPeerDependencyError).code).toBe('MISSING_PEER_DEPENDENCY');
    expect((error as Error).message).toContain('npm install ioredis');
  });

  it('rejects an unsupported ioredis version', async () => {
    const old = async (specifier: string): Promise<unknown> =>
      specifier.endsWith('package.json') ? { default: { version: '4.28.5' } } : { Redis: class {} };
    const error = await loadIoredis(old).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as Error).message).toContain('ioredis 4.28.5 is not supported');
  });

  it('accepts both ends of the peer range (5.4.0, 6.x) and nothing outside it', async () => {
    const at = (version: string) => async (specifier: string) =>
      specifier.endsWith('package.json') ? { default: { version } } : { Redis: class {} };
    for (const v of ['5.4.0', '5.11.1', '6.0.0', '6.9.3'])
      expect(typeof (await loadIoredis(at(v)))).toBe('function');
    for (const v of ['5.3.2', '7.0.0'])
      await expect(loadIoredis(at(v))).rejects.toBeInstanceOf(MissingPeerDependencyError);
  });

  it('loads the installed ioredis', async () => {
    const Redis = await loadIoredis();
    expect(typeof Redis).toBe('function');
  });
});
