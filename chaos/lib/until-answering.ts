import type { IrisDeployment } from './iris-deployment.js';
import { sleep } from './steady-load.js';

/**
 * Resolves once each front end has answered 10 requests in a row with dt@1 within the deadline
 * (consumer groups that are still joining, on Kafka, make the first seconds fail); throws
 * after 90 s. What is measured starts after this.
 *
 * @example
 * ```ts
 * await untilAnswering(deployment, 1000);
 * ```
 */
export async function untilAnswering(
  deployment: IrisDeployment,
  deadlineMs: number,
): Promise<void> {
  const t0 = Date.now();
  for (let fe = 0; fe < deployment.urls.length; fe++)
    for (let inARow = 0; inARow < 10; ) {
      if (Date.now() - t0 > 90_000)
        throw new Error(
          `front end ${deployment.urls[fe]} did not answer 10 in a row with dt@1 in 90 s`,
        );
      const started = Date.now();
      const o = await deployment.call(fe);
      inARow = o.ok && o.model === 'dt' && Date.now() - started < deadlineMs ? inARow + 1 : 0;
      if (inARow === 0) await sleep(200);
    }
}
