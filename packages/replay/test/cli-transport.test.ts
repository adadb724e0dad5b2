import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { runCli as runReplay } from '../src/cli.js';
import { parseCliArgs as parseReplayArgs } from '../src/cli-args.js';
import { openTransport, transportFlags } from '../src/cli-kit.js';

function capture() {
  let stderr = '';
  let stdout = '';
  return {
    io: {
      stdout: (s: string) => {
        stdout += s;
      },
      stderr: (s: string) => {
        stderr += s;
      },
    },
    stderr: () => stderr,
    stdout: () => stdout,
  };
}

describe('the transport flags both command-line tools share', () => {
  it('refuses an unknown transport with an error naming every choice', () => {
    expect(() =>
      transportFlags(
        { transport: 'pulsar' },
        { choices: ['redis', 'kafka', 'nats'], fallback: 'redis' },
      ),
    ).toThrow('--transport must be redis, kafka or nats, got "pulsar"');
    expect(() =>
      transportFlags({ transport: 'memory' }, { choices: ['redis', 'kafka'], fallback: 'redis' }),
    ).toThrow('--transport must be redis or kafka, got "memory"');
  });

  it('defaults every broker address, and reads comma-separated lists of servers', () => {
    expect(transportFlags({}, { choices: ['memory', 'nats'], fallback: 'memory' })).toEqual({
      transport: 'memory',
      redisUrl: 'redis://127.0.0.1:6379',
      kafkaBrokers: ['127.0.0.1:9092'],
      natsServers: ['nats://127.0.0.1:4222'],
      brokerPrefix: undefined,
    });
    expect(
      transportFlags(
        {
          transport: 'nats',
          'nats-servers': 'nats://a:4222, nats://b:4222',
          'kafka-brokers': 'k1:9092,k2:9092',
          'broker-prefix': 'team-a',
        },
        { choices: ['memory', 'nats'], fallback: 'memory' },
      ),
    ).toMatchObject({
      transport: 'nats',
      natsServers: ['nats://a:4222', 'nats://b:4222'],
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      brokerPrefix: 'team-a',
    });
  });

  it('opens the memory transport without a broker', async () => {
    const flags = transportFlags({}, { choices: ['memory'], fallback: 'memory' });
    const transport = await openTransport(flags, 'test');
    expect(transport).toBeInstanceOf(MemoryTransport);
    await transport.close();
  });

  it('rendezvous-replay accepts memory, redis, kafka and nats, and exits 2 naming them otherwise', async () => {
    const base = ['--archive', 'a', '--model', 'm'];
    for (const t of ['memory', 'redis', 'kafka', 'nats'])
      expect(parseReplayArgs([...base, '--transport', t])).toMatchObject({ transport: t });
    expect(
      parseReplayArgs([...base, '--transport', 'nats', '--nats-servers', 'nats://n1:4222']),
    ).toMatchObject({ natsServers: ['nats://n1:4222'] });
    const c = capture();
    expect(await runReplay([...base, '--transport', 'pulsar'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(
      /^rendezvous-replay: --transport must be memory, redis, kafka or nats, got "pulsar"\n\nUsage: rendezvous-replay/,
    );
    expect(c.stdout()).toBe('');
  });

  it('rendezvous-replay prints the usage on --help, exit code 0', async () => {
    const replay = capture();
    expect(await runReplay(['--help'], replay.io)).toBe(0);
    expect(replay.stdout()).toMatch(/^Usage: rendezvous-replay.*--nats-servers <list>/s);
    expect(replay.stderr()).toBe('');
  });
});
