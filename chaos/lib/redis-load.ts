import type { SdkModel } from './sdk-system.js';
import { redisConnect } from './services.js';
import type { ScenarioContext } from './types.js';

/** The pair most scenarios serve: m@2 (preferred by latestVersion) and m@1 behind it. */
export const M2_AND_M1: readonly SdkModel[] = [
  { name: 'm', version: '2' },
  { name: 'm', version: '1' },
];

/**
 * The load of the in-process Redis scenarios: their own connections to the pool's
 * redis-server (streams prefixed with the run's tag), a 1 s deadline, 40 requests per second.
 */
export function redisLoad(ctx: ScenarioContext): {
  readonly connect: ReturnType<typeof redisConnect>;
  readonly deadlineMs: number;
  readonly rate: number;
} {
  return { connect: redisConnect(ctx.services.redis!.url, ctx.tag), deadlineMs: 1000, rate: 40 };
}
