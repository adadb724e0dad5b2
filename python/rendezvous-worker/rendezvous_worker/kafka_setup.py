"""The set-up steps a Kafka worker does itself (docs/protocol.md): create the topics it uses if
they do not exist, and position a new group at the end of the requests topic."""

from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

log = logging.getLogger("rendezvous_worker")

# Transient right after a topic is created or a broker starts; librdkafka does not always flag
# them retriable (NOT_LEADER_FOR_PARTITION from ListOffsets, for one).
_TRANSIENT = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
}


def transient(error: KafkaException) -> bool:
    e = error.args[0]
    return e.retriable() or e.code() in _TRANSIENT


class KafkaSetup:
    def __init__(self, base_config: dict, replication_factor: int, timeout_s: float = 30.0) -> None:
        self.admin = AdminClient(base_config)
        self.replication_factor = replication_factor
        self.timeout_s = timeout_s
        self._known: set = set()
        self._lock = threading.Lock()

    def ensure_topic(self, topic: str, partitions: int) -> None:
        """Creates `topic` unless it exists (TOPIC_ALREADY_EXISTS is success), then waits until
        every partition has a leader."""
        with self._lock:
            if topic in self._known:
                return
            deadline = time.monotonic() + self.timeout_s
            while True:
                try:
                    self._create(topic, partitions)
                    self._wait_for_leaders(topic, deadline)
                    break
                except KafkaException as error:
                    if time.monotonic() > deadline or not transient(error):
                        raise
                    time.sleep(0.2)
            self._known.add(topic)

    def _create(self, topic: str, partitions: int) -> None:
        metadata = self.admin.list_topics(topic=topic, timeout=10)
        t = metadata.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            return
        futures = self.admin.create_topics(
            [NewTopic(topic, num_partitions=partitions, replication_factor=self.replication_factor)],
            operation_timeout=10,
        )
        try:
            futures[topic].result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise

    def _wait_for_leaders(self, topic: str, deadline: float) -> None:
        while True:
            t = self.admin.list_topics(topic=topic, timeout=10).topics.get(topic)
            if t is not None and t.error is None and t.partitions and all(p.leader >= 0 for p in t.partitions.values()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"kafka: topic {topic} has no leader for every partition after {self.timeout_s} s")
            time.sleep(0.1)

    def position_at_end(self, consumer: Consumer, topic: str) -> None:
        """Like `_position_at_end`, waiting out transient broker states (a topic created a moment
        ago whose partitions have no leader yet, a coordinator still loading)."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                return self._position_at_end(consumer, topic)
            except KafkaException as error:
                if time.monotonic() > deadline or not transient(error):
                    raise
                log.info("positioning the group on %s: %s; retrying", topic, error)
                time.sleep(0.2)

    def _position_at_end(self, consumer: Consumer, topic: str) -> None:
        """Commits the high watermark of every partition of `topic` where the consumer's group has
        no committed offset: an offset commit from outside the group (generation -1), so a new
        group sees exactly what is published from now on. A group with live members refuses it;
        it has a position already."""
        t = self.admin.list_topics(topic=topic, timeout=10).topics[topic]
        tps = [TopicPartition(topic, p) for p in sorted(t.partitions)]
        committed = consumer.committed(tps, timeout=10)
        missing = [tp for tp in committed if tp.offset < 0]
        if not missing:
            return
        ends = []
        for tp in missing:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=10)
            ends.append(TopicPartition(topic, tp.partition, high))
        try:
            consumer.commit(offsets=ends, asynchronous=False)
        except KafkaException as error:
            code = error.args[0].code()
            if code not in (KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID, KafkaError.REBALANCE_IN_PROGRESS):
                raise
