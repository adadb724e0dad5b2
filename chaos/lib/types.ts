import type { ElasticsearchNode } from '../../packages/test-kit/src/services/elasticsearch-node.js';
import type { KafkaBroker } from '../../packages/test-kit/src/services/kafka-broker.js';
import type { RedisServer } from '../../packages/test-kit/src/services/redis-server.js';
import type { ArchiveCheck } from './archive-check.js';
import type { LoadSummary } from './settlement-tracker.js';

/** The real services a scenario may need. */
export type ServiceName = 'redis' | 'kafka' | 'elasticsearch';

/** Started services, each given to the scenarios that declare it. */
export interface Services {
  redis?: RedisServer;
  kafka?: KafkaBroker;
  elasticsearch?: ElasticsearchNode;
}

/** What a scenario receives from the runner. */
export interface ScenarioContext {
  readonly quick: boolean;
  readonly services: Services;
  /** A unique tag for stream prefixes, folders and request ids. */
  readonly tag: string;
  /** Registers cleanup that runs when the scenario ends, even on its time limit. */
  defer(cleanup: () => Promise<unknown> | unknown): void;
  log(message: string): void;
}

/** One row of the reliability table: every figure measured by the run. */
export interface ScenarioResult {
  readonly load: LoadSummary;
  /** One entry per archive checked (decoy, scores, Elasticsearch...). */
  readonly archives: readonly ArchiveCheck[];
  /** From the end of the fault to the first good answer to a request sent after it, ms. */
  readonly recoveryMs?: number | null;
  /** From the end of the fault until every expected record was readable, ms. */
  readonly catchUpMs?: number | null;
  /** Scenario-specific figures (wrong-model answers, peak RSS...). */
  readonly extra?: Readonly<Record<string, number | string>>;
  /** Scenario-specific parts of the bar that failed, in words. */
  readonly failures?: readonly string[];
  /** When the fault could not be injected at all (e.g. no permission to mount). */
  readonly notRun?: string;
}

/** A scenario of `npm run chaos`. */
export interface Scenario {
  readonly name: string;
  /** One line: the fault and the load. */
  readonly description: string;
  readonly needs: readonly ServiceName[];
  /** Hard limit of one run, ms (the quick form's limit is the same). */
  readonly limitMs: number;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
