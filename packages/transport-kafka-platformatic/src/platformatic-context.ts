import type { OpenWork, TopicNames, TransportOps } from '@rendezvous-ml/transport-kafka/kit';
import type { PlatformaticConnection, PlatformaticConnector } from './platformatic-connector.js';
import type { GroupSettings } from './platformatic-member-options.js';
import type { PlatformaticTopicAdmin } from './platformatic-topic-admin.js';
import type {
  PlatformaticTopicReader,
  PlatformaticTopicReaderOptions,
} from './platformatic-topic-reader.js';

/**
 * What the parts of one `PlatformaticKafkaTransport` (reply channels, the reply tap, broadcast
 * listeners) share: names, connection, operations on it, open work, and how to build a reader.
 *
 * @example
 * ```ts
 * const listeners = new PlatformaticBroadcastListeners(ctx);
 * ```
 */
export interface PlatformaticContext {
  readonly names: TopicNames;
  readonly topics: PlatformaticTopicAdmin;
  readonly ops: TransportOps<PlatformaticConnection>;
  readonly work: OpenWork;
  readonly connector: PlatformaticConnector;
  readonly group: GroupSettings;
  readonly warn: (message: string, error?: unknown) => void;
  /** Evicts a failed consumer's member from its group, in the background. */
  readonly evict: (groupId: string, memberId: string) => void;
  /** A reader of `topic` in group `groupId` of its own, on connection `c`. */
  readonly reader: (
    c: PlatformaticConnection,
    options: Pick<
      PlatformaticTopicReaderOptions,
      'groupId' | 'topic' | 'fromBeginning' | 'commit' | 'onMessage'
    >,
  ) => PlatformaticTopicReader;
}
