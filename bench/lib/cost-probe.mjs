// Preloaded into a process the bench starts but does not own the code of (an `iris` role):
// `NODE_OPTIONS=--import=<this file>`. It meters the process from its start (`ProcessCost`) and
// answers `{ type: 'bench-cost' }` on the IPC channel with `{ type: 'bench-cost', pid, cpuUs,
// allocatedBytes }`. Without an IPC channel it does nothing.
import { processCost } from './process-cost.mjs';

if (process.send) {
  const meter = processCost();
  process.on('message', (message) => {
    if (message?.type !== 'bench-cost') return;
    process.send?.({ type: 'bench-cost', pid: process.pid, ...meter.read() });
  });
  // Listening must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}
