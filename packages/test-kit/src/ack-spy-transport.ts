import type { ConsumeOptions, Delivery } from '@rendezvous-ml/core';
import { map, type Observable } from 'rxjs';
import { DelegatingTransport } from './delegating-transport.js';
import { wrapDelivery } from './wrap-delivery.js';

/**
 * A transport that delegates everything to another one and records each acknowledgement, in
 * order, once the inner `ack()` has resolved — so a test can check *when* something is acked
 * and that nothing acknowledged is missing from a sink.
 */
export class AckSpyTransport extends DelegatingTransport {
  /** Ids of the acknowledged deliveries, in acknowledgement order. */
  readonly acked: string[] = [];
  /** Payloads of the acknowledged deliveries, in the same order. */
  readonly ackedPayloads: string[] = [];
  /** Ids of the deliveries handed back with `release()`, in order. */
  readonly released: string[] = [];

  override consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    return this.inner.consume(stream, options).pipe(
      map((d) =>
        wrapDelivery(d, {
          ack: async () => {
            await d.ack();
            this.acked.push(d.id);
            this.ackedPayloads.push(d.payload);
          },
          release: async (options) => {
            await d.release(options);
            this.released.push(d.id);
          },
        }),
      ),
    );
  }
}
