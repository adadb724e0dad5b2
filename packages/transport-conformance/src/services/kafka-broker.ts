import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A Kafka broker process owned by a test file, which it can stop, kill and restart. */
export interface KafkaBroker {
  /** Bootstrap servers, such as `127.0.0.1:39092`. */
  readonly brokers: string;
  readonly port: number;
  /** The broker's data and log folder. */
  readonly dir: string;
  /** Clean shutdown (SIGTERM, then SIGKILL after the script's timeout). */
  stop(): Promise<void>;
  /** SIGKILL now, to simulate a crash. */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port and folder (topics, data and offsets survive). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

const script = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../scripts/kafka/kafka.sh',
);

function run(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [script, ...args],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`kafka.sh ${args[0]} failed: ${error.message}\n${stderr.slice(-3000)}`));
        } else resolvePromise(stdout);
      },
    );
  });
}

/**
 * Starts a real single-node Kafka broker (KRaft) with `scripts/kafka/kafka.sh` in a fresh temp
 * folder: fetches the jars once (cached), starts the broker on a free loopback port, and
 * resolves when the script's readiness probe (a Kafka `Metadata` request) has succeeded.
 *
 * @example
 * ```ts
 * const gate = await requireService('kafka', () => startKafkaBroker());
 * describe.skipIf(!gate.ok)('kafka', () => {  });
 * ```
 */
export async function startKafkaBroker(): Promise<KafkaBroker> {
  await run(['fetch'], 300_000);
  const dir = await mkdtemp(join(tmpdir(), 'rendezvous-kafka-'));
  const start = async (port?: number): Promise<number> => {
    const args = ['start', '--dir', dir, ...(port === undefined ? [] : ['--port', String(port)])];
    const out = await run(args, 120_000);
    const match = /KAFKA_BROKERS=127\.0\.0\.1:(\d+)/.exec(out);
    if (!match) throw new Error(`kafka.sh start printed no KAFKA_BROKERS line: ${out}`);
    return Number(match[1]);
  };
  let port: number;
  try {
    port = await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await run(['stop', '--dir', dir], 60_000);
  };
  return {
    brokers: `127.0.0.1:${port}`,
    port,
    dir,
    stop,
    kill: async () => {
      await run(['kill', '--dir', dir], 30_000);
    },
    restart: async () => {
      await stop();
      await start(port);
    },
    dispose: async () => {
      await run(['kill', '--dir', dir], 30_000).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
