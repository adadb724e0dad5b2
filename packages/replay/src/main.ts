// The `rendezvous-replay` command from the sources: `npx tsx packages/replay/src/main.ts --help`
// (the published bin, bin/rendezvous-replay.mjs, runs the built dist/cli.js the same way).
import { runCliProcess } from './cli.js';

process.exitCode = await runCliProcess();
