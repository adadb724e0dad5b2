#!/usr/bin/env node
// The `iris` command. It runs the example straight from its TypeScript sources, with no build
// step: tsx compiles on the fly, and the example's tsconfig.json maps `@rendezvous-ml/*` to the
// workspace packages' `src/index.ts`. It stays one process, so signals reach the code directly.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');
