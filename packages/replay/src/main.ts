// The `rendezvous-replay` command from the sources: `npx tsx packages/replay/src/main.ts --help`
// (the published bin, bin/rendezvous-replay.mjs, runs the built dist/cli.js the same way).
import { runCli } from './cli.js';

const controller = new AbortController();
// First Ctrl-C: stop feeding, let what is in flight settle, write the report (resumable with
// --resume). A second one exits at once.
process.once('SIGINT', () => {
  process.stderr.write('replay: stopping after the requests in flight (Ctrl-C again to quit)\n');
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  signal: controller.signal,
});
