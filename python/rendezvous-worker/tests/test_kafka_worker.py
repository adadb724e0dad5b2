"""The Python worker against a real Kafka broker (RENDEZVOUS_KAFKA_BROKERS), with a minimal front
end written from docs/protocol.md (a one-partition reply topic, requests, heartbeats)."""

import json
import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from services import kafka_brokers, unavailable, wait_for  # noqa: E402

try:
    from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
    from confluent_kafka.admin import AdminClient  # noqa: E402
except ImportError:  # pragma: no cover
    unavailable("confluent-kafka is not installed (apt-get install python3-confluent-kafka)")

from rendezvous_worker import Worker  # noqa: E402
from rendezvous_worker.kafka_setup import KafkaSetup  # noqa: E402
from rendezvous_worker.kafka_transport import KafkaTransport, safe_name  # noqa: E402

BROKERS = None


def setUpModule():
    global BROKERS
    BROKERS = kafka_brokers()


def now_ms():
    return time.time() * 1000


class Reader:
    """Reads one single-partition topic from a position, in a thread."""

    def __init__(self, topic, from_end):
        self.items = []
        self.consumer = Consumer({"bootstrap.servers": BROKERS, "group.id": f"t-{uuid.uuid4()}", "enable.auto.commit": False})
        low, high = self.consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        self.consumer.assign([TopicPartition(topic, 0, high if from_end else low)])
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            m = self.consumer.poll(0.1)
            if m is not None and not m.error():
                self.items.append(json.loads(m.value()))

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.consumer.close()


class FrontEnd:
    def __init__(self, prefix):
        self.prefix = prefix
        self.setup = KafkaSetup({"bootstrap.servers": BROKERS}, 1)
        self.address = f"{prefix}__reply.{uuid.uuid4().hex[:8]}"
        self.setup.ensure_topic(self.address, 1)
        self.setup.ensure_topic(f"{prefix}__broadcast.heartbeats", 1)
        self.producer = Producer({"bootstrap.servers": BROKERS})
        self.replies = Reader(self.address, from_end=False)
        self.heartbeats = Reader(f"{prefix}__broadcast.heartbeats", from_end=True)

    def request(self, input, deadline_ms=10_000, raw=None):
        rid = str(uuid.uuid4())
        payload = raw if raw is not None else json.dumps(
            {"v": 1, "id": rid, "ts": now_ms(), "deadline": now_ms() + deadline_ms, "replyTo": self.address, "input": input}
        )
        self.producer.produce(f"{self.prefix}requests", key=rid.encode(), value=payload.encode())
        self.producer.flush(10)
        return rid

    def score(self, rid, timeout=20):
        return wait_for(lambda: next((s for s in self.replies.items if s["requestId"] == rid), None), f"score {rid}", timeout)

    def probe(self):
        self.producer.produce(f"{self.prefix}__broadcast.heartbeats", value=json.dumps({"v": 1, "kind": "probe", "ts": now_ms()}).encode())
        self.producer.flush(10)

    def close(self):
        self.replies.close()
        self.heartbeats.close()


class KafkaWorkerTest(unittest.TestCase):
    def setUp(self):
        self.prefix = f"py{uuid.uuid4().hex[:8]}."
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.stop(timeout=15)
        if hasattr(self, "front"):
            self.front.close()

    def worker(self, predict, **options):
        transport = KafkaTransport(BROKERS, topic_prefix=self.prefix, partitions=2)
        w = Worker(predict, name="m", version="1", transport=transport, heartbeat_interval_ms=options.pop("heartbeat_interval_ms", 300), **options)
        w.start()
        self.workers.append(w)
        return w

    def test_topic_names_match_the_typescript_transport(self):
        self.assertEqual(safe_name("requests"), "requests")
        # The TypeScript TopicNames gives 'a_b.<fnv1a base 36>' for 'a b' (see topic-names.ts).
        self.assertRegex(safe_name("a b"), r"^a_b\.[0-9a-z]+$")
        self.assertEqual(KafkaTransport(BROKERS, topic_prefix="p.").stream_topic("__x"), "p.s__x")

    def test_creates_its_topics_before_any_front_end_and_answers_on_the_reply_topic(self):
        w = self.worker(lambda x: {"echo": x})  # nothing exists under this prefix yet
        topics = AdminClient({"bootstrap.servers": BROKERS}).list_topics(timeout=10).topics
        self.assertEqual(len(topics[f"{self.prefix}requests"].partitions), 2)
        self.assertIn(f"{self.prefix}__broadcast.heartbeats", topics)
        self.front = FrontEnd(self.prefix)
        rid = self.front.request([1, 2])
        s = self.front.score(rid)
        self.assertEqual(s["output"], {"echo": [1, 2]})
        self.assertEqual(s["model"]["instance"], w.instance)

    def test_dead_letters_invalid_requests_and_skips_expired_ones(self):
        w = self.worker(lambda x: x)
        self.front = FrontEnd(self.prefix)
        self.front.setup.ensure_topic(f"{self.prefix}dead-letter", 2)
        dead = Consumer({"bootstrap.servers": BROKERS, "group.id": f"t-{uuid.uuid4()}", "auto.offset.reset": "earliest"})
        dead.subscribe([f"{self.prefix}dead-letter"])
        self.front.request(None, raw='{"v":1,"id":')
        self.front.request("late", deadline_ms=-1)
        rid = self.front.request("on time")
        self.front.score(rid)
        records = []
        deadline = time.time() + 20
        while not records and time.time() < deadline:
            m = dead.poll(0.2)
            if m is not None and not m.error():
                records.append(json.loads(m.value()))
        dead.close()
        self.assertEqual(records[0]["reason"]["code"], "INVALID_ENVELOPE")
        wait_for(lambda: w.stats()["skippedExpired"] == 1, "the skipped request")
        self.assertEqual(len(self.front.replies.items), 1)

    def test_heartbeats_probe_answers_and_leaving(self):
        w = self.worker(lambda x: x, heartbeat_interval_ms=60_000)
        self.front = FrontEnd(self.prefix)
        time.sleep(1)
        before = len(self.front.heartbeats.items)
        self.front.probe()
        # The front end hears its own probe too: wait for the answer, not for any message.
        answer = lambda: next((h for h in self.front.heartbeats.items[before:] if h["kind"] != "probe"), None)  # noqa: E731
        hb = wait_for(answer, "an answer to the probe", 10)
        self.assertEqual(hb["kind"], "alive")
        w.stop()
        wait_for(lambda: self.front.heartbeats.items[-1]["kind"] == "leaving", "leaving", 10)

    def test_holds_at_most_its_prefetch_and_answers_everything(self):
        peak = []
        w = self.worker(lambda x: peak.append(w.stats()["held"]) or time.sleep(0.05) or x, concurrency=1)
        self.front = FrontEnd(self.prefix)
        ids = [self.front.request(i) for i in range(12)]
        self.assertEqual([self.front.score(rid)["output"] for rid in ids], list(range(12)))
        self.assertLessEqual(max(peak), 3)  # prefetch 2 (twice the concurrency), one over at a pause

    def test_commits_what_it_answered_so_a_new_member_does_not_answer_again(self):
        w = self.worker(lambda x: x)
        self.front = FrontEnd(self.prefix)
        ids = [self.front.request(i) for i in range(5)]
        for rid in ids:
            self.front.score(rid)
        w.stop()
        self.workers.clear()
        self.worker(lambda x: x)
        rid = self.front.request("after restart")
        self.front.score(rid)
        time.sleep(0.5)
        self.assertEqual(len(self.front.replies.items), 6)


if __name__ == "__main__":
    unittest.main()
