// The `rendezvous-rollout` command from the sources: `npx tsx packages/rollout/src/main.ts --help`
// (the published bin, bin/rendezvous-rollout.mjs, runs the built dist/cli.js the same way).
import { runCliProcess } from './cli.js';

process.exitCode = await runCliProcess();
