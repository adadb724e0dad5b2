import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', transport: 'src/adapter/index.ts', wire: 'src/wire/index.ts' },
  format: ['esm', 'cjs'],
  // The entries share one copy of the core's classes in either format (tsup splits ESM by
  // default, CJS only when asked): an error made by the kit must be `instanceof` the classes of
  // the main entry.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
