import { defineConfig } from 'tsup';

export default defineConfig({
  // cli: the programmatic side of the rendezvous-rollout bin (bin/rendezvous-rollout.mjs imports it).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  // No external list: the CLI opens its transport through @rendezvous-ml/replay/cli-kit, a
  // dependency (so tsup leaves it out of the bundle), and imports no transport itself.
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
