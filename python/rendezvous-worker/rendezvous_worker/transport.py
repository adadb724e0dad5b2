"""The transport contract a Worker uses: the few primitives of docs/protocol.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional


@dataclass
class Delivery:
    """One request read from the requests stream by this member."""

    id: str
    payload: str
    key: Optional[str] = None
    delivery_count: int = 1
    #: Transport-specific position (a Redis entry id, a Kafka (topic, partition, offset)).
    handle: Any = field(default=None, repr=False)


class Transport:
    """Base class of RedisTransport and KafkaTransport."""

    name = "abstract"

    def start(self, stream: str, group: str, consumer: str) -> None:
        """Creates what is missing (topics, the group positioned at the end) and joins."""
        raise NotImplementedError

    def fetch(self, max_count: int, timeout_s: float) -> list[Delivery]:
        """Up to `max_count` deliveries (waiting at most `timeout_s`); 0 means take none now."""
        raise NotImplementedError

    def ack(self, delivery: Delivery) -> None:
        raise NotImplementedError

    def release(self, delivery: Delivery, delay_s: float) -> None:
        """Hands a delivery back: it comes again, with a higher delivery count, after `delay_s`."""
        raise NotImplementedError

    def reply(self, address: str, key: str, payload: str) -> bool:
        """Sends a score to a return address; False when the address is gone (nobody reads it)."""
        raise NotImplementedError

    def publish(self, stream: str, key: Optional[str], payload: str) -> None:
        raise NotImplementedError

    def broadcast(self, channel: str, payload: str) -> None:
        raise NotImplementedError

    def listen(self, channel: str, on_message: Callable[[str], None]) -> None:
        """Calls `on_message(payload)` for every broadcast on `channel` from now on, from a thread."""
        raise NotImplementedError

    def leave(self, unstarted: list[Delivery]) -> None:
        """Leaves the group, handing `unstarted` (and anything else held) back to the others."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def transport_from_url(url: str, prefix: Optional[str] = None) -> Transport:
    """`redis://host:port[/db]` (or `rediss://`) or `kafka://host:port[,host:port]`."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_transport import RedisTransport

        return RedisTransport(url, key_prefix=prefix if prefix is not None else "rdv:")
    if url.startswith("kafka://"):
        from .kafka_transport import KafkaTransport

        return KafkaTransport(url[len("kafka://") :], topic_prefix=prefix if prefix is not None else "rendezvous.")
    raise ValueError(f"unknown transport URL {url!r}: use redis://host:port or kafka://host:port")
