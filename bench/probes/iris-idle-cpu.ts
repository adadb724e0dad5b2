/**
 * One-off probe: the iris roles (decoy, archiver, dt and lr workers, front end) as processes on
 * a broker started for the probe (Kafka, Redis or NATS), idle for 10 s; prints each process's
 * CPU share (from /proc/<pid>/stat) and the broker's.
 * Run: `node --import tsx bench/probes/iris-idle-cpu.ts [kafka|redis|nats]` (default kafka).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIrisProcess } from '../../examples/iris/test/support/iris-processes.js';
import { freePort } from '../../packages/test-kit/src/services/free-port.js';
import { startKafkaBroker } from '../../packages/test-kit/src/services/kafka-broker.js';
import { startNatsServer } from '../../packages/test-kit/src/services/nats-server.js';
import { startRedisServer } from '../../packages/test-kit/src/services/redis-server.js';

const TICKS_PER_SECOND = 100;
async function cpuTicks(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

const transport = process.argv[2] ?? 'kafka';
/** The newest broker process of its kind on the machine: the one this probe started. */
function brokerPid(): number {
  const pattern = { kafka: 'kafka.Kafka', redis: 'redis-server', nats: 'nats-server' }[transport]!;
  return Number(execFileSync('pgrep', ['-n', '-f', pattern]).toString().trim());
}

const broker =
  transport === 'redis'
    ? await startRedisServer().then((s) => ({
        env: { REDIS_URL: s.url },
        dispose: () => s.dispose(),
      }))
    : transport === 'nats'
      ? await startNatsServer().then((s) => ({
          env: { NATS_URL: s.url },
          dispose: () => s.dispose(),
        }))
      : await startKafkaBroker().then((s) => ({
          env: { KAFKA_BROKERS: s.brokers },
          dispose: () => s.dispose(),
        }));
const archiveDir = await mkdtemp(join(tmpdir(), 'iris-idle-'));
const env = {
  RENDEZVOUS_TRANSPORT: transport,
  ...broker.env,
  ARCHIVE_DIR: archiveDir,
  PORT: String(await freePort()),
  HEARTBEAT_MS: '300',
  LOG_LEVEL: 'warn',
};
const roles: [string, string[]][] = [
  ['decoy', ['decoy']],
  ['archiver', ['archiver']],
  ['dt', ['worker', '--model', 'dt']],
  ['lr', ['worker', '--model', 'lr']],
  ['frontend', ['frontend']],
];
const processes = roles.map(([name, args]) => ({ name, p: startIrisProcess(args, env) }));
try {
  await Promise.all(processes.map(({ p }) => p.ready));
  await new Promise((r) => setTimeout(r, 3000)); // let groups settle
  const pids = [
    ...processes.map(({ name, p }) => [name, p.child.pid!] as const),
    ['broker', brokerPid()] as const,
  ];
  const before = await Promise.all(pids.map(([, pid]) => cpuTicks(pid)));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const after = await Promise.all(pids.map(([, pid]) => cpuTicks(pid)));
  const seconds = (performance.now() - t0) / 1000;
  for (const [i, [name]] of pids.entries())
    console.log(
      `${name}: ${((100 * (after[i]! - before[i]!)) / TICKS_PER_SECOND / seconds).toFixed(1)}% of a core, idle`,
    );
} finally {
  await Promise.all(processes.map(({ p }) => p.stop('SIGKILL')));
  await rm(archiveDir, { recursive: true, force: true });
  await broker.dispose();
}
