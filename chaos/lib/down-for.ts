import { sleep } from './steady-load.js';

/** A service a scenario can stop and start again on the same folder (its data survives). */
export interface StoppableService {
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * The fault of the restart scenarios: `service` stopped cleanly (SIGTERM), left down for
 * `ms`, and started again; resolves once it is back.
 *
 * @example
 * ```ts
 * fault: () => downFor(ctx.services.kafka!, 2000),
 * ```
 */
export async function downFor(service: StoppableService, ms: number): Promise<void> {
  await service.stop();
  await sleep(ms);
  await service.restart();
}
