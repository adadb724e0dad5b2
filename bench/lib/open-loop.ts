import { LoopMeter, type LoopResult } from './closed-loop.js';

/** Open loop: starts a call every 1/rps s, whatever the previous ones are doing. */
export async function openLoop(
  rps: number,
  requests: number,
  call: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  const meter = new LoopMeter();
  const { start } = meter;
  const interval = 1e9 / rps;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = start + BigInt(Math.round(i * interval));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = process.hrtime.bigint();
    calls.push(
      call(i).then(
        () => meter.record(t0),
        () => {
          meter.errors++;
        },
      ),
    );
    if (i % 100 === 0) meter.sampleRss();
  }
  await Promise.all(calls);
  return meter.result(requests);
}
