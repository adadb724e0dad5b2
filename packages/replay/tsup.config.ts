import { defineConfig } from 'tsup';

export default defineConfig({
  // cli: the programmatic side of the rendezvous-replay bin (bin/rendezvous-replay.mjs imports it);
  // cli-kit: what it shares with rendezvous-rollout (the start of a command, the transport flags).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'cli-kit': 'src/cli-kit.ts' },
  // Transports are optional peers the CLI imports only when selected.
  external: [
    '@rendezvous-ml/transport-memory',
    '@rendezvous-ml/transport-redis',
    '@rendezvous-ml/transport-kafka',
    '@rendezvous-ml/transport-nats',
  ],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
