#!/usr/bin/env node
// The published `rendezvous-replay` command: the built CLI (dist/cli.js), with Ctrl-C stopping
// the feed so the run can be resumed (--resume) rather than lost.
import { runCli } from '../dist/cli.js';

const controller = new AbortController();
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
