"""The Python worker against a real redis-server, with a minimal front end written from
docs/protocol.md (reply stream, requests, heartbeats)."""

import json
import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from services import RedisServer, wait_for  # noqa: E402

try:
    import redis  # noqa: E402
except ImportError:  # pragma: no cover
    from services import unavailable

    unavailable("redis-py is not installed (apt-get install python3-redis)")

from rendezvous_worker import PredictError, Worker  # noqa: E402
from rendezvous_worker.redis_transport import RedisTransport  # noqa: E402

SERVER = None


def setUpModule():
    global SERVER
    SERVER = RedisServer()


def tearDownModule():
    if SERVER:
        SERVER.stop()


def now_ms():
    return time.time() * 1000


class FrontEnd:
    """What a TypeScript front end does on Redis, by hand."""

    def __init__(self, prefix):
        self.r = redis.Redis.from_url(SERVER.url, decode_responses=True)
        self.prefix = prefix
        self.address = str(uuid.uuid4())
        self.r.xgroup_create(f"{prefix}r:{self.address}", "rdv-owner", id="$", mkstream=True)
        self.heartbeats = []
        self.pubsub = self.r.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(f"{prefix}ch:heartbeats")
        self._stop = threading.Event()
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self):
        while not self._stop.is_set():
            try:
                m = self.pubsub.get_message(timeout=0.1)
            except Exception:  # the server stopped at the end of the module
                return
            if m and m["type"] == "message":
                self.heartbeats.append(json.loads(m["data"]))

    def request(self, input, deadline_ms=5000, request_id=None, raw=None):
        rid = request_id or str(uuid.uuid4())
        payload = raw if raw is not None else json.dumps(
            {"v": 1, "id": rid, "ts": now_ms(), "deadline": now_ms() + deadline_ms, "replyTo": self.address,
             "input": input, "meta": {}}
        )
        self.r.xadd(f"{self.prefix}s:requests", {"k": rid, "p": payload})
        return rid

    def scores(self):
        entries = self.r.xrange(f"{self.prefix}r:{self.address}")
        return [json.loads(f["p"]) for _, f in entries]

    def score(self, rid, timeout=10):
        return wait_for(lambda: next((s for s in self.scores() if s["requestId"] == rid), None), f"score {rid}", timeout)

    def pending(self, group):
        return self.r.xpending(f"{self.prefix}s:requests", group)["pending"]

    def dead_letters(self):
        return [json.loads(f["p"]) for _, f in self.r.xrange(f"{self.prefix}s:dead-letter")]

    def probe(self):
        self.r.publish(f"{self.prefix}ch:heartbeats", json.dumps({"v": 1, "kind": "probe", "ts": now_ms()}))

    def close(self):
        self._stop.set()
        self.r.close()


class RedisWorkerTest(unittest.TestCase):
    def setUp(self):
        self.prefix = f"py{uuid.uuid4().hex[:8]}:"
        self.front = FrontEnd(self.prefix)
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.stop(timeout=5)
        self.front.close()

    def worker(self, predict, **options):
        transport = RedisTransport(SERVER.url, key_prefix=self.prefix, **options.pop("transport_options", {}))
        w = Worker(predict, name=options.pop("name", "m"), version=options.pop("version", "1"), transport=transport,
                   heartbeat_interval_ms=options.pop("heartbeat_interval_ms", 200), **options)
        w.start()
        self.workers.append(w)
        return w

    def test_scores_reach_the_return_address_and_are_acknowledged(self):
        w = self.worker(lambda x: {"echo": x})
        rid = self.front.request([1, 2.5, None])
        s = self.front.score(rid)
        self.assertEqual(s["v"], 1)
        self.assertTrue(s["ok"])
        self.assertEqual(s["output"], {"echo": [1, 2.5, None]})
        self.assertEqual(s["model"], {"name": "m", "version": "1", "instance": w.instance})
        self.assertLessEqual(s["receivedAt"], s["startedAt"])
        self.assertLessEqual(s["startedAt"], s["finishedAt"])
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the ack")

    def test_failures_become_error_scores(self):
        def predict(x):
            if x == "custom":
                raise PredictError("MY_CODE", "nope")
            if x == "nan":
                return float("nan")
            raise RuntimeError("boom")

        self.worker(predict)
        codes = {x: self.front.score(self.front.request(x))["error"]["code"] for x in ["custom", "nan", "other"]}
        self.assertEqual(codes, {"custom": "MY_CODE", "nan": "OUTPUT_NOT_SERIALIZABLE", "other": "PREDICT_FAILED"})
        self.assertIn("boom", self.front.score(self.front.request("other2"))["error"]["message"])

    def test_numpy_outputs_travel_as_json(self):
        import numpy as np

        self.worker(lambda x: np.array(x) * 2)
        self.assertEqual(self.front.score(self.front.request([1, 2]))["output"], [2, 4])

    def test_invalid_requests_are_dead_lettered_and_acknowledged(self):
        w = self.worker(lambda x: x)
        self.front.request(None, raw='{"v":1,"id":')
        self.front.request(None, raw=json.dumps({"v": 1, "id": "r", "ts": 1, "deadline": "soon", "replyTo": "a", "input": 1}))
        dead = wait_for(lambda: len(self.front.dead_letters()) == 2 and self.front.dead_letters(), "two dead letters")
        self.assertEqual([d["reason"]["code"] for d in dead], ["INVALID_ENVELOPE", "INVALID_ENVELOPE"])
        self.assertEqual(dead[1]["reason"]["message"], "/deadline: expected a finite number")
        self.assertEqual(dead[0]["payload"], '{"v":1,"id":')
        self.assertEqual(dead[0]["component"], "worker m@1")
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the acks")
        self.assertEqual(w.stats()["deadLettered"], 2)

    def test_expired_requests_are_skipped_without_predicting(self):
        calls = []
        w = self.worker(lambda x: calls.append(x) or x)
        self.front.request("late", deadline_ms=-1)
        rid = self.front.request("on time")
        self.front.score(rid)
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the acks")
        self.assertEqual(calls, ["on time"])
        self.assertEqual(w.stats()["skippedExpired"], 1)
        self.assertEqual(len(self.front.scores()), 1)

    def test_a_prediction_that_ends_past_the_deadline_sends_no_score(self):
        w = self.worker(lambda x: time.sleep(0.4) or x)
        self.front.request("slow", deadline_ms=150)
        wait_for(lambda: w.stats()["expiredPredictions"] == 1, "the expired prediction")
        self.assertEqual(self.front.scores(), [])
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the ack")

    def test_predicts_concurrently(self):
        self.worker(lambda x: time.sleep(0.5) or x, concurrency=4)
        started = time.time()
        ids = [self.front.request(i) for i in range(4)]
        for rid in ids:
            self.front.score(rid)
        self.assertLess(time.time() - started, 1.4)

    def test_heartbeats_answer_probes_and_say_leaving_on_stop(self):
        w = self.worker(lambda x: x, heartbeat_interval_ms=60_000)
        time.sleep(0.2)  # the SUBSCRIBE of the worker's listener is in flight
        before = len(self.front.heartbeats)
        self.front.probe()
        # The front end hears its own probe too: wait for the answer, not for any message.
        answer = lambda: next((h for h in self.front.heartbeats[before:] if h["kind"] != "probe"), None)  # noqa: E731
        hb = wait_for(answer, "an answer to the probe", timeout=2)
        self.assertEqual(hb["kind"], "alive")
        self.assertEqual(hb["intervalMs"], 60_000)
        self.assertEqual(hb["model"]["instance"], w.instance)
        w.stop()
        wait_for(lambda: self.front.heartbeats[-1]["kind"] == "leaving", "leaving")

    def test_retire_on_the_control_channel_drains_only_its_own_version(self):
        started = threading.Event()
        release = threading.Event()
        w1 = self.worker(lambda x: started.set() or release.wait(5) or x, version="1", concurrency=1)
        w2 = self.worker(lambda x: x, version="2")
        quiet = self.worker(lambda x: x, name="other", version="1", retirable=False)
        time.sleep(0.2)  # the SUBSCRIBE of the workers' listeners is in flight
        rid = self.front.request("in flight")
        started.wait(5)

        def control(message):
            self.front.r.publish(f"{self.prefix}ch:control", json.dumps(message))

        control({"v": 1, "kind": "policy", "version": 1, "spec": {"policy": "first"}, "ts": now_ms()})
        control({"v": 1, "kind": "retire", "model": {"name": "m"}, "ts": now_ms()})  # invalid: ignored
        control({"v": 1, "kind": "retire", "model": {"name": "m", "version": "1"}, "ts": now_ms()})
        control({"v": 1, "kind": "retire", "model": {"name": "other", "version": "1"}, "ts": now_ms()})
        wait_for(lambda: w1.retired.is_set(), "w1 retired")
        wait_for(
            lambda: any(h["kind"] == "leaving" and h["model"]["instance"] == w1.instance for h in self.front.heartbeats),
            "leaving from the retired worker",
        )
        release.set()
        self.assertTrue(w1.wait(5), "the retired worker stops by itself")
        # The request it had started was still answered, then acknowledged.
        self.assertTrue(any(s["requestId"] == rid and s["model"]["version"] == "1" for s in self.front.scores()))
        self.assertEqual(self.front.pending("model:m@1"), 0)
        self.assertFalse(w2.retired.is_set() or w2.wait(0), "another version keeps serving")
        self.assertFalse(quiet.retired.is_set() or quiet.wait(0), "retirable=False ignores retire")
        after = self.front.request("after")
        wait_for(lambda: sum(s["requestId"] == after for s in self.front.scores()) >= 2, "both live models score")
        self.assertEqual(
            sorted((s["model"]["name"], s["model"]["version"]) for s in self.front.scores() if s["requestId"] == after),
            [("m", "2"), ("other", "1")],
        )

    def test_sends_alive_every_interval(self):
        self.worker(lambda x: x, heartbeat_interval_ms=100)
        wait_for(lambda: sum(h["kind"] == "alive" for h in self.front.heartbeats) >= 4, "four alive heartbeats", 3)

    def test_stop_finishes_and_replies_to_started_predictions(self):
        started = threading.Event()
        w = self.worker(lambda x: started.set() or time.sleep(0.5) or x, concurrency=1)
        rid = self.front.request("in flight")
        started.wait(5)
        w.stop()
        self.assertTrue(any(s["requestId"] == rid for s in self.front.scores()))
        self.assertEqual(self.front.pending("model:m@1"), 0)

    def test_stop_hands_requests_it_had_not_started_to_another_member_at_once(self):
        started = threading.Event()
        a = self.worker(lambda x: started.set() or time.sleep(0.4) or "a", concurrency=1)
        ids = [self.front.request(i) for i in range(3)]
        started.wait(5)
        wait_for(lambda: a.stats()["held"] == 2, "one started, one waiting (prefetch 2)")
        stopper = threading.Thread(target=a.stop)
        stopper.start()
        # claim_idle_ms is an hour: only the hand-over (a huge idle time) lets b take them now.
        self.worker(lambda x: "b", transport_options={"claim_idle_ms": 3_600_000, "claim_interval_ms": 100})
        outputs = sorted(self.front.score(rid)["output"] for rid in ids)
        stopper.join(5)
        self.assertEqual(outputs, ["a", "b", "b"])

    def test_a_reply_to_a_gone_address_is_acknowledged_and_not_recreated(self):
        w = self.worker(lambda x: x)
        payload = json.dumps({"v": 1, "id": "r1", "ts": now_ms(), "deadline": now_ms() + 5000,
                              "replyTo": "nobody", "input": 1})
        self.front.request(None, request_id="r1", raw=payload)
        wait_for(lambda: w.stats()["repliesToClosedAddresses"] == 1, "the count")
        self.assertEqual(self.front.r.exists(f"{self.prefix}r:nobody"), 0)
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the ack")

    def test_takes_over_what_a_dead_member_left_and_dead_letters_past_the_limit(self):
        key = f"{self.prefix}s:requests"
        self.front.r.xgroup_create(key, "model:m@1", id="$", mkstream=True)
        rid = self.front.request("orphan")
        poison = self.front.request("poison")
        # A member that read both and died; the poison one was delivered 9 times already.
        self.front.r.xreadgroup("model:m@1", "dead-member", {key: ">"}, count=2)
        poison_id = self.front.r.xrange(key)[-1][0]
        for _ in range(8):
            self.front.r.xclaim(key, "model:m@1", "dead-member", 0, [poison_id])
        w = self.worker(lambda x: x, transport_options={"claim_idle_ms": 200, "claim_interval_ms": 100})
        self.assertEqual(self.front.score(rid)["output"], "orphan")
        dead = wait_for(lambda: self.front.dead_letters(), "the poison's dead letter")
        self.assertEqual(dead[0]["reason"]["code"], "REDELIVERY_LIMIT")
        self.assertEqual(json.loads(dead[0]["payload"])["id"], poison)
        wait_for(lambda: self.front.pending("model:m@1") == 0, "the acks")
        self.assertEqual(w.stats()["deadLettered"], 1)

    def test_a_new_group_starts_at_the_end_and_reads_its_own_pending_first(self):
        self.front.request("before the group existed")
        w = self.worker(lambda x: x, instance="fixed-instance")
        rid = self.front.request("after")
        self.assertEqual(self.front.score(rid)["output"], "after")
        self.assertEqual(len(self.front.scores()), 1)
        w.stop()
        # A request read by this instance name but not acknowledged is read again on restart.
        key = f"{self.prefix}s:requests"
        again = self.front.request("left pending")
        self.front.r.xreadgroup("model:m@1", "fixed-instance", {key: ">"}, count=1)
        self.worker(lambda x: x, instance="fixed-instance")
        self.assertEqual(self.front.score(again)["output"], "left pending")


if __name__ == "__main__":
    unittest.main()
