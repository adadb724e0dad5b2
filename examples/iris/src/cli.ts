import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Transport } from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import { drainAndStop } from './archiving.js';
import { startIrisArchiving } from './archiving-roles.js';
import { HELP } from './cli-help.js';
import { type IrisConfig, modelRefs, readConfig } from './config.js';
import { runLoad, runReplay, runScorecard } from './evaluation-commands.js';
import { startIrisFrontend } from './frontend.js';
import { EXAMPLE_INPUT } from './iris-input.js';
import { DEFAULT_SEED, loadIrisModelRef } from './iris-models.js';
import { startIrisSystem } from './iris-system.js';
import { createLogger } from './logger.js';
import { startIrisWorker } from './model-workers.js';
import { runIrisRollout } from './rollout-command.js';
import { startWithRetry } from './start-with-retry.js';
import { ensureChallengers, ensureModels, train, trainChallenger } from './train.js';
import { describeTransport, transportFactory } from './transports.js';
import { UsageError } from './usage-error.js';

/** Tells a parent `iris up` (or a test) that this process is ready, and logs it. */
function ready(logger: Logger, details: Record<string, unknown> = {}): void {
  logger.info(details, 'ready');
  process.send?.({ type: 'ready', ...details });
}

/**
 * Runs `stop` on the first SIGINT or SIGTERM, then exits; a second signal exits at once.
 */
function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down gracefully');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function banner(url: string, config: IrisConfig): string {
  const body = JSON.stringify(EXAMPLE_INPUT);
  return [
    '',
    `  Iris is up on ${url}  (transport: ${describeTransport(config)}, archive: ${config.archiveDir})`,
    '',
    '  Try:',
    `    curl ${url}/ping`,
    `    curl -X POST ${url}/predict -H 'content-type: application/json' -d '${body}'`,
    `    curl ${url}/models`,
    `    curl ${url}/metrics`,
    `    curl ${url}/scorecard`,
    ...(config.shadow.length > 0
      ? ['', `  In shadow (score every request, never answer): ${config.shadow.join(', ')}`]
      : []),
    '',
    '  Ctrl-C stops it gracefully (every input, score and result is flushed to the archive first).',
    '',
  ].join('\n');
}

async function runAll(config: IrisConfig): Promise<void> {
  const logger = createLogger('all', config.logLevel);
  const system = await startIrisSystem(config, logger);
  onShutdown(logger, () => system.stop());
  const url = await system.frontend.listen();
  ready(logger, { url });
  process.stderr.write(`${banner(url, config)}\n`); // stdout is for log lines only
}

async function runFrontend(config: IrisConfig): Promise<void> {
  const logger = createLogger('frontend', config.logLevel);
  const transport = await transportFactory(config, logger)();
  const frontend = await startIrisFrontend(transport, config, logger);
  onShutdown(logger, async () => {
    await frontend.close();
    await transport.close();
  });
  const url = await frontend.listen();
  ready(logger, { url });
  process.stderr.write(`${banner(url, config)}\n`); // stdout is for log lines only
}

async function runWorker(config: IrisConfig, model: string | undefined): Promise<void> {
  if (!model || !/^(dt|lr|bad)(@\d+)?$/.test(model))
    throw new UsageError('worker needs --model dt, lr, dt@2 or bad@1');
  const logger = createLogger(`worker:${model}`, config.logLevel);
  await ensureModels(config.modelsDir, logger);
  if (model.includes('@')) await ensureChallengers(config.modelsDir, logger);
  const predictor = await loadIrisModelRef(config.modelsDir, model).catch((error: unknown) => {
    throw new UsageError((error as Error).message);
  });
  const name = `${predictor.name}@${predictor.version}`;
  const transport = await transportFactory(config, logger)();
  const worker = await startIrisWorker(transport, predictor, {
    logger,
    heartbeatMs: config.heartbeatMs,
    concurrency: config.workerConcurrency,
  });
  onShutdown(logger, async () => {
    await worker.stop();
    await transport.close();
  });
  // Retired on the control channel (a rollout's last stage): once drained, the process ends.
  worker.events$.subscribe({
    complete: () => void transport.close().finally(() => process.exit(0)),
  });
  ready(logger, { model: name });
}

async function runArchiving(config: IrisConfig, role: 'decoy' | 'archiver'): Promise<void> {
  const logger = createLogger(role, config.logLevel);
  const transport: Transport = await transportFactory(config, logger)();
  // A start can fail for a while on a broker that is itself starting (a topic just created by
  // another role, a coordinator loading): retry it with backoff instead of exiting (issue #11).
  // The archiver role archives both the scores and the front ends' results.
  const archiving = await startIrisArchiving(
    config,
    role === 'decoy' ? { decoy: transport } : { archiver: transport },
    logger,
    { start: (what, run) => startWithRetry(run, { what, logger }) },
  );
  onShutdown(logger, async () => {
    await Promise.all(archiving.map((a) => drainAndStop(a, logger)));
    await transport.close();
  });
  ready(logger, { archive: config.archiveDir });
}

/** The roles of `iris up`, in start order (archivers and workers before the front end). */
const UP_ROLES: readonly (readonly string[])[] = [
  ['decoy'],
  ['archiver'],
  ['worker', '--model', 'dt'],
  ['worker', '--model', 'lr'],
  ['frontend'],
];

async function runUp(config: IrisConfig): Promise<void> {
  const logger = createLogger('up', config.logLevel);
  if (config.transport === 'memory')
    throw new UsageError(
      'up runs separate processes, which need a broker: set RENDEZVOUS_TRANSPORT=redis, kafka or nats (or use `iris all` for one process)',
    );
  await ensureModels(config.modelsDir, logger);
  const bin = fileURLToPath(new URL('../bin/iris.js', import.meta.url));
  const children: { args: readonly string[]; child: ChildProcess }[] = [];
  let shuttingDown = false;

  const stopChildren = async (which: typeof children): Promise<void> => {
    await Promise.all(
      which.map(({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        return exited;
      }),
    );
  };
  // Front end first (drains in-flight requests), then the workers, then the archiving roles.
  const stopAll = async (): Promise<void> => {
    shuttingDown = true;
    const byRole = (role: string) => children.filter((c) => c.args[0] === role);
    await stopChildren(byRole('frontend'));
    await stopChildren(byRole('worker'));
    await stopChildren([...byRole('decoy'), ...byRole('archiver')]);
  };
  onShutdown(logger, stopAll);
  process.once('exit', () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  // Shadow models get a worker process each, before the front end that runs them in shadow.
  const shadowWorkers = config.shadow.map((m) => ['worker', '--model', m]);
  const roles = [...UP_ROLES.slice(0, -1), ...shadowWorkers, ...UP_ROLES.slice(-1)];
  for (const args of roles) {
    // A process group of its own: Ctrl-C reaches only this supervisor, which then stops the
    // children in order instead of all at once.
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, SHADOW: config.shadow.join(',') },
      detached: true,
    });
    children.push({ args, child });
    child.on('exit', (code, signal) => {
      if (shuttingDown) return;
      logger.warn({ child: args.join(' '), code, signal }, 'a process exited');
      if (args[0] === 'frontend') void stopAll().then(() => process.exit(1));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args.join(' ')} not ready in 120 s`)),
        120_000,
      );
      child.on('message', (m: { type?: string }) => {
        if (m?.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`));
      });
    }).catch(async (error: unknown) => {
      await stopAll();
      throw error;
    });
  }
  ready(logger, { processes: children.map((c) => ({ role: c.args.join(' '), pid: c.child.pid })) });
}

/** Runs the CLI with the given arguments (without `node` and the script). */
export async function main(argv: readonly string[]): Promise<void> {
  // `rollout` has flags of its own (the gate's): it parses its command line itself.
  if (argv[0] === 'rollout') {
    process.exitCode = await runIrisRollout(readConfig(), argv.slice(1));
    return;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      model: { type: 'string', short: 'm' },
      seed: { type: 'string' },
      challenger: { type: 'boolean' },
      shadow: { type: 'string' },
      count: { type: 'string' },
      shift: { type: 'string' },
      url: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      models: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      resume: { type: 'boolean' },
      window: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'all';
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const read = readConfig();
  const config = values.shadow === undefined ? read : { ...read, shadow: modelRefs(values.shadow) };
  switch (command) {
    case 'all':
      return runAll(config);
    case 'frontend':
      return runFrontend(config);
    case 'worker':
      return runWorker(config, values.model);
    case 'decoy':
    case 'archiver':
      return runArchiving(config, command);
    case 'up':
      return runUp(config);
    case 'train': {
      const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
      if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
      if (values.challenger) await trainChallenger({ dir: config.modelsDir, seed });
      else await train({ dir: config.modelsDir, seed });
      return;
    }
    case 'load':
      return runLoad(config, values);
    case 'replay':
      return runReplay(config, values);
    case 'scorecard':
      return runScorecard(config, values);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`iris: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write('Run `iris --help` for the commands.\n');
  process.exit(usage ? 2 : 1);
});
