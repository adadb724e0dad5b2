/**
 * `rendezvous-worker-conformance`: checks a worker written in any language against the wire
 * protocol (docs/protocol.md), on a real broker.
 *
 *   npx tsx packages/test-kit/src/worker-conformance-cli.ts \
 *     --transport redis --url redis://127.0.0.1:6379 --cmd "python3 -u worker.py"
 *   ... --transport kafka --brokers 127.0.0.1:9092 --cmd "..." [--cwd DIR] [--model echo@1]
 *
 * Exits 0 when every check passed, 1 when one failed, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import {
  formatCheck,
  formatConformanceReport,
  runWorkerConformance,
} from './worker-conformance.js';

const USAGE =
  'usage: rendezvous-worker-conformance --transport redis|kafka (--url redis://host:port | --brokers host:port) --cmd "<worker command>" [--cwd DIR] [--model name@version] [--prefix P]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      transport: { type: 'string' },
      url: { type: 'string' },
      brokers: { type: 'string' },
      cmd: { type: 'string' },
      cwd: { type: 'string' },
      model: { type: 'string' },
      prefix: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (why: string): number => {
    console.error(`${why}\n${USAGE}`);
    return 2;
  };
  if (!values.cmd) return fail('--cmd is required: the command line that starts the worker');
  let broker: Parameters<typeof runWorkerConformance>[0]['broker'];
  if (values.transport === 'redis')
    broker = { transport: 'redis', url: values.url ?? 'redis://127.0.0.1:6379' };
  else if (values.transport === 'kafka')
    broker = { transport: 'kafka', brokers: values.brokers ?? '127.0.0.1:9092' };
  else return fail(`--transport must be redis or kafka (got ${values.transport ?? 'nothing'})`);
  let model: { name: string; version: string } | undefined;
  if (values.model) {
    const at = values.model.lastIndexOf('@');
    if (at <= 0) return fail(`--model must be name@version, such as echo@1 (got ${values.model})`);
    model = { name: values.model.slice(0, at), version: values.model.slice(at + 1) };
  }
  const report = await runWorkerConformance({
    broker,
    cmd: values.cmd,
    ...(values.cwd ? { cwd: values.cwd } : {}),
    ...(model ? { model } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
    onCheck: (c) => console.log(formatCheck(c)),
  });
  console.log(formatConformanceReport(report).split('\n').pop());
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
