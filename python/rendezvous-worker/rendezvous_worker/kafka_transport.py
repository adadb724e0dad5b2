"""Kafka, as the TypeScript KafkaTransport lays it out (docs/protocol.md): topics
`<prefix><stream>`, broadcasts `<prefix>__broadcast.<channel>` (one partition), groups
`<prefix><group>`; a score goes to the topic named by `replyTo`. Offsets are committed only for
the contiguous prefix of finished requests."""

from __future__ import annotations

import logging
import queue
import random
import re
import threading
import time
from collections import deque
from typing import Callable, Optional

from .kafka_setup import KafkaSetup
from .transport import Delivery, Transport

log = logging.getLogger("rendezvous_worker")

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
except ImportError as error:  # pragma: no cover - depends on the machine
    raise ImportError(
        "the Kafka transport needs confluent-kafka: apt-get install python3-confluent-kafka "
        "(or pip install confluent-kafka)"
    ) from error

_LEGAL = re.compile(r"^[a-zA-Z0-9._-]+$")


def _fnv1a36(name: str) -> str:
    """The TypeScript TopicNames hash: 32-bit FNV-1a over UTF-16 code units, in base 36."""
    data = name.encode("utf-16-le")
    h = 0x811C9DC5
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        h, r = divmod(h, 36)
        out = digits[r] + out
        if h == 0:
            return out


def safe_name(name: str) -> str:
    if _LEGAL.match(name) and len(name) <= 180:
        return name
    return f"{re.sub(r'[^a-zA-Z0-9._-]', '_', name)[:160]}.{_fnv1a36(name)}"


class _Ledger:
    """The offsets of one partition delivered and not yet committable, in order."""

    def __init__(self) -> None:
        self.outstanding: deque = deque()
        self.done: set = set()
        self.commit_at: Optional[int] = None

    def delivered(self, offset: int) -> None:
        self.outstanding.append(offset)

    def finished(self, offset: int) -> bool:
        """Marks `offset` done; True when the committable position moved."""
        self.done.add(offset)
        moved = False
        while self.outstanding and self.outstanding[0] in self.done:
            first = self.outstanding.popleft()
            self.done.discard(first)
            self.commit_at = first + 1
            moved = True
        return moved


class KafkaTransport(Transport):
    """One group member on a Kafka topic, with confluent-kafka (librdkafka)."""

    name = "kafka"

    def __init__(
        self,
        brokers: str,
        *,
        topic_prefix: str = "rendezvous.",
        partitions: int = 8,
        replication_factor: int = 1,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 500,
        assignment_strategy: str = "roundrobin",
        config: Optional[dict] = None,
    ) -> None:
        self.brokers = brokers
        self.prefix = topic_prefix
        self.partitions = partitions
        self.base = {"bootstrap.servers": brokers, **(config or {})}
        self.setup = KafkaSetup(self.base, replication_factor)
        self.consumer_config = {
            **self.base,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": session_timeout_ms,
            "heartbeat.interval.ms": heartbeat_interval_ms,
            "partition.assignment.strategy": assignment_strategy,
            "allow.auto.create.topics": False,
        }
        self.producer = Producer({**self.base, "acks": "all", "linger.ms": 0, "allow.auto.create.topics": False})
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._poll_producer, name="rendezvous-kafka-producer", daemon=True)
        self._poller.start()
        self._consumer: Optional[Consumer] = None
        self._topic = ""
        self._generation = 0
        self._ledgers: dict = {}
        self._acks: "queue.Queue[tuple]" = queue.Queue()
        self._seen: dict = {}
        self._released: list = []
        self._released_lock = threading.Lock()
        self._paused = False
        self._listeners: list = []

    # -- names -------------------------------------------------------------------------------

    def stream_topic(self, stream: str) -> str:
        safe = safe_name(stream)
        return f"{self.prefix}{'s' + safe if safe.startswith('__') else safe}"

    def broadcast_topic(self, channel: str) -> str:
        return f"{self.prefix}__broadcast.{safe_name(channel)}"

    # -- membership --------------------------------------------------------------------------

    def start(self, stream: str, group: str, consumer: str) -> None:
        self._topic = self.stream_topic(stream)
        self.setup.ensure_topic(self._topic, self.partitions)
        group_id = f"{self.prefix}{group}"
        c = Consumer({**self.consumer_config, "group.id": group_id, "client.id": consumer})
        self.setup.position_at_end(c, self._topic)
        c.subscribe([self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self._consumer = c

    def _on_assign(self, consumer: Consumer, partitions: list) -> None:
        self._generation += 1
        self._paused = False

    def _on_revoke(self, consumer: Consumer, partitions: list) -> None:
        self._drain_acks()
        self._commit([(p.topic, p.partition) for p in partitions], asynchronous=False)
        for p in partitions:
            self._ledgers.pop((p.topic, p.partition), None)
        self._generation += 1

    def fetch(self, max_count: int, timeout_s: float) -> list[Delivery]:
        c = self._consumer
        assert c is not None, "start() first"
        self._drain_acks()
        due = self._due_released(max_count)
        if due:
            return due
        if max_count <= 0:
            if not self._paused and c.assignment():
                c.pause(c.assignment())
                self._paused = True
            # Keeps rebalances going; the partitions are paused. A message fetched before the pause
            # is still delivered (one over the credit), never dropped: the commit is contiguous.
            m = c.poll(min(timeout_s, 0.05))
            if m is None or m.error():
                return []
            return [self._delivery(m)]
        if self._paused:
            c.resume(c.assignment())
            self._paused = False
        out: list[Delivery] = []
        for m in c.consume(num_messages=max_count, timeout=timeout_s):
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    log.warning("kafka consume: %s", m.error())
                continue
            out.append(self._delivery(m))
        return out

    def _delivery(self, m) -> Delivery:
        tp = (m.topic(), m.partition())
        offset = m.offset()
        ledger = self._ledgers.setdefault(tp, _Ledger())
        ledger.delivered(offset)
        seen = self._seen.setdefault(tp, {"highest": -1, "counts": {}})
        if offset > seen["highest"]:
            seen["highest"] = offset
            count = 1
        else:
            count = seen["counts"].get(offset, 1) + 1
            seen["counts"][offset] = count
        value = m.value()
        key = m.key()
        return Delivery(
            id=f"{m.partition()}-{offset}",
            payload=value.decode("utf-8", errors="replace") if value is not None else "",
            key=key.decode("utf-8", errors="replace") if key is not None else None,
            delivery_count=count,
            handle=(tp, offset, self._generation),
        )

    def ack(self, delivery: Delivery) -> None:
        self._acks.put(delivery.handle)

    def release(self, delivery: Delivery, delay_s: float) -> None:
        with self._released_lock:
            self._released.append((time.monotonic() + delay_s, delivery))

    def _due_released(self, count: int) -> list[Delivery]:
        if count <= 0:
            return []
        now = time.monotonic()
        with self._released_lock:
            due = [d for at, d in self._released if at <= now][:count]
            self._released = [(at, d) for at, d in self._released if d not in due]
        out = []
        for d in due:
            tp, offset, generation = d.handle
            if generation != self._generation or tp not in self._ledgers:
                continue  # the partition moved: its new owner reads it from the committed offset
            d.delivery_count += 1
            out.append(d)
        return out

    def _drain_acks(self) -> None:
        moved = []
        while True:
            try:
                tp, offset, generation = self._acks.get_nowait()
            except queue.Empty:
                break
            ledger = self._ledgers.get(tp)
            if generation != self._generation or ledger is None:
                continue  # acknowledged after a rebalance took the partition: redelivered elsewhere
            if ledger.finished(offset):
                moved.append(tp)
        if moved:
            self._commit(moved, asynchronous=True)

    def _commit(self, tps: list, asynchronous: bool) -> None:
        offsets = [
            TopicPartition(t, p, self._ledgers[(t, p)].commit_at)
            for t, p in set(tps)
            if (t, p) in self._ledgers and self._ledgers[(t, p)].commit_at is not None
        ]
        if not offsets or self._consumer is None:
            return
        try:
            self._consumer.commit(offsets=offsets, asynchronous=asynchronous)
        except KafkaException as error:
            log.warning("kafka commit failed (%s); the offsets are committed with the next ack", error)

    def leave(self, unstarted: list[Delivery]) -> None:
        c = self._consumer
        if c is None:
            return
        self._drain_acks()
        self._commit(list(self._ledgers), asynchronous=False)
        with self._released_lock:
            self._released.clear()
        self._consumer = None
        c.close()  # leaves the group: the partitions move at once, from the committed offsets

    # -- replies and broadcasts --------------------------------------------------------------

    def _poll_producer(self) -> None:
        while not self._closed.is_set():
            self.producer.poll(0.05)

    def _produce(self, topic: str, key: Optional[str], payload: str, timeout_s: float = 5.0) -> None:
        done = threading.Event()
        result: dict = {}

        def on_delivery(error, _message) -> None:
            result["error"] = error
            done.set()

        self.producer.produce(topic, value=payload.encode("utf-8"),
                              key=key.encode("utf-8") if key is not None else None, on_delivery=on_delivery)
        if not done.wait(timeout_s):
            raise TimeoutError(f"kafka: no acknowledgement from the broker for {topic} within {timeout_s} s")
        if result.get("error") is not None:
            raise KafkaException(result["error"])

    def reply(self, address: str, key: str, payload: str) -> bool:
        self._produce(address, key, payload)
        return True

    def publish(self, stream: str, key: Optional[str], payload: str) -> None:
        topic = self.stream_topic(stream)
        self.setup.ensure_topic(topic, self.partitions)
        self._produce(topic, key, payload)

    def broadcast(self, channel: str, payload: str) -> None:
        topic = self.broadcast_topic(channel)
        self.setup.ensure_topic(topic, 1)
        self._produce(topic, None, payload)

    def listen(self, channel: str, on_message: Callable[[str], None]) -> None:
        topic = self.broadcast_topic(channel)
        self.setup.ensure_topic(topic, 1)
        listener = Consumer({
            **self.base,
            "group.id": f"{self.prefix}__listen.{topic}.{random.randrange(36**8):x}",
            "enable.auto.commit": False,
        })
        _, high = listener.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        listener.assign([TopicPartition(topic, 0, high)])  # from the end: what is sent from now on

        def run() -> None:
            while not self._closed.is_set():
                try:
                    m = listener.poll(0.2)
                except RuntimeError:  # closed
                    return
                if m is None or m.error():
                    continue
                try:
                    on_message((m.value() or b"").decode("utf-8", errors="replace"))
                except Exception:
                    log.exception("broadcast handler failed")

        thread = threading.Thread(target=run, name=f"rendezvous-listen-{channel}", daemon=True)
        self._listeners.append((listener, thread))
        thread.start()

    def close(self) -> None:
        if self._consumer is not None:
            self.leave([])
        self.producer.flush(5)
        self._closed.set()
        self._poller.join(1)
        for listener, thread in self._listeners:
            thread.join(2)  # a consumer must not be closed while another thread polls it
            try:
                listener.close()
            except RuntimeError:
                pass
