import { MissingPeerDependencyError } from '@rendezvous-ml/core';
import {
  loadPeer,
  moduleExport,
  type PeerDependency,
  peerLoader,
} from '@rendezvous-ml/core/transport';
import { describe, expect, it } from 'vitest';

class Client {}
const peer = (
  over: Partial<PeerDependency<typeof Client>> = {},
): PeerDependency<typeof Client> => ({
  name: 'some-client',
  range: '>=2.1.0 <4',
  load: async () => ({ default: { Client } }),
  manifest: async () => ({ default: { version: '3.0.1' } }),
  api: (m) => moduleExport(m, 'Client') as typeof Client | undefined,
  ...over,
});
const notFound = async (): Promise<never> => {
  throw Object.assign(new Error("Cannot find package 'some-client'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
};

describe('loadPeer', () => {
  it('returns the API of a supported version, from the module or its default export', async () => {
    expect(await loadPeer(peer())).toBe(Client);
    expect(await loadPeer(peer({ load: async () => ({ Client }) }))).toBe(Client);
  });

  it('says "not installed" and how to install it when the package is missing', async () => {
    for (const p of [peer({ load: notFound }), peer({ manifest: notFound })]) {
      const e = await loadPeer(p).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MissingPeerDependencyError);
      expect((e as Error).message).toContain('some-client is not installed');
      expect((e as Error).message).toContain('npm install some-client');
      expect((e as MissingPeerDependencyError).packageName).toBe('some-client');
    }
  });

  it('says "cannot be loaded" when the package is there but its import fails', async () => {
    const broken = peer({
      load: async () => {
        throw new SyntaxError('Unexpected token');
      },
    });
    await expect(loadPeer(broken)).rejects.toThrow(/some-client cannot be loaded/);
  });

  it('refuses a version outside the range, naming it', async () => {
    for (const version of ['2.0.9', '4.0.0', '3.0.0-rc.1', undefined]) {
      const e = await loadPeer(peer({ manifest: async () => ({ version }) })).catch(
        (x: unknown) => x,
      );
      expect(e, String(version)).toBeInstanceOf(MissingPeerDependencyError);
      expect((e as Error).message).toContain(`some-client ${String(version)} is not supported`);
    }
  });

  it('checks the API alone when the manifest cannot be read, and refuses a module without it', async () => {
    expect(await loadPeer(peer({ manifest: undefined }))).toBe(Client);
    const e = await loadPeer(
      peer({
        manifest: undefined,
        load: async () => ({ Client: 1 }),
        api: (m) => {
          const c = moduleExport(m, 'Client');
          return typeof c === 'function' ? (c as typeof Client) : undefined;
        },
      }),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MissingPeerDependencyError);
    expect((e as Error).message).toContain('does not export the API');
  });
});

describe('peerLoader', () => {
  it('loads once, and tries again after a failure', async () => {
    let loads = 0;
    let installed = false;
    const load = peerLoader(
      peer({
        load: async () => {
          loads++;
          if (!installed) return notFound();
          return { Client };
        },
      }),
    );
    await expect(load()).rejects.toBeInstanceOf(MissingPeerDependencyError);
    installed = true;
    expect(await load()).toBe(Client);
    expect(await load()).toBe(Client);
    expect(loads).toBe(2);
  });
});
