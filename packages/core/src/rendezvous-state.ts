import { NotStartedError, type RendezvousError, TransportClosedError } from './errors.js';

/**
 * A front end's lifecycle: new → starting → running → closing → closed. A failed start goes
 * back to `new` (start() may be called again); close() from any state wins over a start.
 */
export type RendezvousState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/**
 * The error a request gets when the front end is not `running`, saying what to do.
 *
 * @example
 * ```ts
 * notRunningError('new').message; // 'rendezvous is not started: call `await rendezvous.start()` ...'
 * ```
 */
export function notRunningError(state: Exclude<RendezvousState, 'running'>): RendezvousError {
  if (state === 'new')
    return new NotStartedError(
      'rendezvous is not started: call `await rendezvous.start()` before `request()`',
    );
  if (state === 'starting')
    return new NotStartedError(
      'rendezvous is still starting (discovering live models): wait for `await rendezvous.start()` before `request()`',
    );
  return new TransportClosedError('rendezvous is closed');
}
