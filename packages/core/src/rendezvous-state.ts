import { NotStartedError, type RendezvousError, TransportClosedError } from './errors.js';
import type { LifecycleState } from './lifecycle.js';

/**
 * The error a request gets when the front end is not `running`, saying what to do.
 *
 * @example
 * ```ts
 * notRunningError('new').message; // 'rendezvous is not started: call `await rendezvous.start()` ...'
 * ```
 */
export function notRunningError(state: Exclude<LifecycleState, 'running'>): RendezvousError {
  if (state === 'new')
    return new NotStartedError(
      'rendezvous is not started: call `await rendezvous.start()` before `request()`',
    );
  if (state === 'starting')
    return new NotStartedError(
      'rendezvous is still starting (discovering live models): wait for `await rendezvous.start()` before `request()`',
    );
  return new TransportClosedError('rendezvous is stopped');
}
