/**
 * Where a command writes: its standard output and standard error.
 *
 * @example
 * ```ts
 * const out: CommandOutput = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };
 * ```
 */
export interface CommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * The process's own stdout and stderr, the default output of the commands.
 *
 * @example
 * ```ts
 * const code = await runCli(argv, processOutput());
 * ```
 */
export function processOutput(): CommandOutput {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  };
}

/**
 * The start every command shares: parses `argv`, prints the usage on `--help` (exit code 0),
 * or the error and the usage on a usage error (exit code 2). Returns the parsed arguments, or
 * the exit code when the command is done.
 *
 * @example
 * ```ts
 * const args = parseCommandLine('rendezvous-replay', argv, io, parseCliArgs, CLI_USAGE);
 * if (typeof args === 'number') return args;
 * ```
 */
export function parseCommandLine<A extends object>(
  command: string,
  argv: readonly string[],
  io: CommandOutput,
  parse: (argv: readonly string[]) => A | 'help',
  usage: string,
): A | number {
  let args: A | 'help';
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr(`${command}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout(usage);
    return 0;
  }
  return args;
}

/**
 * Runs a command as a process: the process's stdout and stderr, and Ctrl-C — the first one
 * prints `interrupted` and aborts the signal handed to `run` (the command ends cleanly), a
 * second one exits at once with 130.
 *
 * @example
 * ```ts
 * return runCommandProcess('replay: stopping (Ctrl-C again to quit)\n', (io) => runCli(argv, io));
 * ```
 */
export function runCommandProcess(
  interrupted: string,
  run: (io: CommandOutput & { readonly signal: AbortSignal }) => Promise<number>,
): Promise<number> {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(interrupted);
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return run({ ...processOutput(), signal: controller.signal });
}
