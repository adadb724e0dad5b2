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
  // Listening must not keep a process alive that would otherwise exit, but the process's own
  // 'message' and 'disconnect' listeners must keep it alive as they would without this probe.
  // Node counts those listeners to ref the channel only until it is ref'd or unref'd by hand
  // (Node 22 and later), so once unref'd here the count is kept here: every change of the
  // listeners refs the channel while any but this one remain, and unrefs it otherwise.
  const sync = () => {
    const others = process.listenerCount('message') - 1 + process.listenerCount('disconnect');
    if (others > 0) process.channel?.ref();
    else process.channel?.unref();
  };
  const counted = (name) => name === 'message' || name === 'disconnect';
  // 'newListener' fires before the listener is added: count once it is.
  process.on('newListener', (name) => counted(name) && queueMicrotask(sync));
  process.on('removeListener', (name) => counted(name) && sync());
  sync();
}
