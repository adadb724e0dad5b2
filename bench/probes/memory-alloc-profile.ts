/**
 * One-off probe: where the memory scenario's per-request allocations come from. Runs the
 * `memory` bench stack (2 models, priority, c=64, input `{ x: 1 }`) under a sampling heap
 * profiler that counts objects collected by GC too, and prints KB allocated per request and the
 * functions that allocate the most (self bytes per request; inlined callees count in their
 * caller). `text` runs the memory transport with `envelopes: false` (the JSON text path).
 * Run: `node --import tsx bench/probes/memory-alloc-profile.ts [objects|text]` (default objects).
 */
import { Session } from 'node:inspector/promises';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { closedLoop } from '../lib/closed-loop.js';
import { startStack } from '../lib/memory-stack.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const envelopes = process.argv[2] !== 'text';
const broker = new MemoryBroker({ maxQueueLength: 1_000_000 });
const transport = () => new MemoryTransport({ broker, envelopes });
const stack = await startStack({ models: 2, maxInFlight: 1000, transport });
const call = () => stack.rendezvous.request({ x: 1 });
await closedLoop(64, 5000, call); // warm-up
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const requests = 20_000;
await closedLoop(64, requests, call);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as {
  profile: { head: ProfileNode };
};
await stack.close();
const self = new Map<string, number>();
const walk = (node: ProfileNode): void => {
  const { functionName, url } = node.callFrame;
  const where = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}`;
  self.set(where, (self.get(where) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(
  `${envelopes ? 'objects' : 'text'}: ${(total / requests / 1024).toFixed(1)} KB/request`,
);
for (const [where, bytes] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`${(bytes / requests).toFixed(0).padStart(7)} B  ${where}`);
