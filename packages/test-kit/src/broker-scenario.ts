import type { StreamNames, Transport } from '@rendezvous-ml/core';

/**
 * What every multi-connection scenario on a real broker is given ({@link drainScenario},
 * {@link lateJoinScenario}).
 *
 * @example
 * ```ts
 * const options: BrokerScenarioOptions = { create: () => new RedisTransport({ url }), streams: { requests: 'rq-1' } };
 * ```
 */
export interface BrokerScenarioOptions {
  /** A new, independent connection to the broker under test (one per "process"). */
  readonly create: () => Transport | Promise<Transport>;
  /** Stream and channel names, unique to the test. */
  readonly streams: Partial<StreamNames>;
  /** Deadline of every request. Default 10 000 ms. */
  readonly deadlineMs?: number;
  /** Upper bound for a join on this broker (a group positioned, a rebalance). Default 10 s. */
  readonly settleMs?: number;
}

/** The connections one scenario opened, to close them all at its end. */
export interface ScenarioConnections {
  /** Opens one more connection with the scenario's `create`. */
  open(): Promise<Transport>;
  /** Closes every connection opened so far. */
  closeAll(): Promise<void>;
}

/**
 * Keeps track of the connections a scenario opens.
 *
 * @example
 * ```ts
 * const connections = scenarioConnections(options);
 * const transport = await connections.open();
 * await connections.closeAll();
 * ```
 */
export function scenarioConnections(options: BrokerScenarioOptions): ScenarioConnections {
  const opened: Transport[] = [];
  return {
    open: async () => {
      const t = await options.create();
      opened.push(t);
      return t;
    },
    closeAll: async () => {
      await Promise.all(opened.map((t) => t.close()));
    },
  };
}
