// @rendezvous-ml/replay/cli-kit: what the command-line tools share (rendezvous-replay and
// rendezvous-rollout): the start of a command, and the transport its flags name.
export {
  type CommandOutput,
  parseCommandLine,
  processOutput,
  runCommandProcess,
} from './cli-command.js';
export {
  openTransport,
  TRANSPORT_FLAG_OPTIONS,
  type TransportFlags,
  type TransportFlagValues,
  type TransportName,
  transportFlags,
} from './cli-transport.js';
