/**
 * NATS JetStream transport: the full rendezvous path against a bare @nats-io loop, in one run.
 *
 * - floor: a bare @nats-io/jetstream loop with what the transport's guarantees need and nothing
 *   else (JetStream publish of the request → a durable pull consumer → a JetStream publish of
 *   the score on the front end's reply subject + a confirmed ack → an ordered consumer on that
 *   subject), one process, one model, at concurrency 1 and 16;
 * - rendezvous: a Rendezvous front end and two ModelWorkers (two instances of one model version,
 *   trivial predict), all on NatsTransport in this process, at concurrency 1 and 64.
 *
 * No targets yet: the figures are recorded against the floor.
 */

import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsTransport } from '@rendezvous-ml/transport-nats';
import { bareCalls } from '../lib/bare-calls.js';
import { brokerPathScenario } from '../lib/broker-path-scenario.js';
import { type LoadTarget, twoWorkerPath } from '../lib/two-worker-path.js';
import type { Scenario } from '../lib/types.js';

/** The bare loop: what nats-server and the @nats-io clients cost without the SDK. */
async function bareLoop(url: string): Promise<LoadTarget> {
  const tag = `bench-bare-${Date.now().toString(36)}`;
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({ name: `${tag}-requests`, subjects: [`${tag}.requests`] });
  await jsm.streams.add({ name: `${tag}-replies`, subjects: [`${tag}.r.>`] });
  await jsm.consumers.add(`${tag}-requests`, {
    durable_name: 'model',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    max_ack_pending: -1,
  });
  const calls = bareCalls((id) => js.publish(`${tag}.requests`, id));
  const model = await (await js.consumers.get(`${tag}-requests`, 'model')).consume({
    max_messages: 64,
  });
  const modelLoop = (async () => {
    for await (const m of model) {
      void js
        .publish(`${tag}.r.fe`, m.data)
        .then(() => m.ackAck())
        .catch(() => undefined);
    }
  })();
  const replies = await (
    await js.consumers.get(`${tag}-replies`, {
      filter_subjects: `${tag}.r.fe`,
      deliver_policy: DeliverPolicy.New,
    })
  ).consume({ max_messages: 256 });
  const replyLoop = (async () => {
    for await (const m of replies) {
      calls.answer(m.string());
    }
  })();
  await new Promise((r) => setTimeout(r, 200)); // let the consumers reach the server
  return {
    call: calls.call,
    stop: async () => {
      await model.close();
      await replies.close();
      await Promise.all([modelLoop, replyLoop]);
      await jsm.streams.delete(`${tag}-requests`);
      await jsm.streams.delete(`${tag}-replies`);
      await nc.close();
    },
  };
}

/** The full path: front end + two model workers on NatsTransport. */
async function rendezvousPath(url: string): Promise<LoadTarget> {
  const prefix = `bench-${Date.now().toString(36)}`;
  const transports = [0, 1, 2].map(() => new NatsTransport({ servers: url, prefix }));
  return twoWorkerPath(transports as [NatsTransport, NatsTransport, NatsTransport], {});
}

/** Benchmark scenario of the NATS JetStream transport (needs `options.natsUrl`). */
export const nats: Scenario = brokerPathScenario({
  scenario: 'nats',
  urlOption: 'natsUrl',
  floor: 'bare @nats-io loop',
  floorAtC64: false,
  bare: bareLoop,
  rendezvous: rendezvousPath,
});
