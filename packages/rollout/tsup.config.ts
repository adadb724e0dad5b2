import { defineConfig } from 'tsup';

export default defineConfig({
  // cli: the programmatic side of the rendezvous-rollout bin (bin/rendezvous-rollout.mjs imports it).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  // Transports are optional peers the CLI imports only when selected.
  external: ['@rendezvous-ml/transport-redis', '@rendezvous-ml/transport-kafka'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
