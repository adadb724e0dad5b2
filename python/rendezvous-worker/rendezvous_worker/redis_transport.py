"""Redis Streams, as the TypeScript RedisTransport lays them out (docs/protocol.md): streams
`<prefix>s:<name>`, reply streams `<prefix>r:<address>`, channels `<prefix>ch:<name>`, entries
with fields `k` (key) and `p` (payload)."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Callable, Optional

from .transport import Delivery, Transport

log = logging.getLogger("rendezvous_worker")

try:
    import redis
except ImportError as error:  # pragma: no cover - depends on the machine
    raise ImportError(
        "the Redis transport needs redis-py: apt-get install python3-redis (or pip install redis)"
    ) from error

HANDOVER_IDLE_MS = 10**12


class RedisTransport(Transport):
    """One group member on a Redis stream, with redis-py."""

    name = "redis"

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379",
        *,
        key_prefix: str = "rdv:",
        claim_idle_ms: int = 30_000,
        claim_interval_ms: int = 5_000,
        max_len: int = 100_000,
        reply_max_len: int = 10_000,
        client: Optional["redis.Redis"] = None,
    ) -> None:
        self.client = client or redis.Redis.from_url(url, decode_responses=True, health_check_interval=10)
        self.prefix = key_prefix
        self.claim_idle_ms = claim_idle_ms
        self.claim_interval_ms = claim_interval_ms
        self.max_len = max_len
        self.reply_max_len = reply_max_len
        self._key = ""
        self._group = ""
        self._consumer = ""
        self._own_cursor: Optional[str] = "0"
        self._next_claim = 0.0
        self._released: dict[str, float] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._pubsubs: list = []

    def stream_key(self, stream: str) -> str:
        return f"{self.prefix}s:{stream}"

    def start(self, stream: str, group: str, consumer: str) -> None:
        self._key, self._group, self._consumer = self.stream_key(stream), group, consumer
        self._create_group("$")
        self._next_claim = time.monotonic() + self.claim_interval_ms / 1000

    def _create_group(self, start: str) -> None:
        try:
            self.client.xgroup_create(self._key, self._group, id=start, mkstream=True)
        except redis.ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise

    def fetch(self, max_count: int, timeout_s: float) -> list[Delivery]:
        if max_count <= 0:
            self._closed.wait(min(timeout_s, 0.05))
            return []
        try:
            return self._fetch(max_count, timeout_s)
        except redis.ResponseError as error:
            if "NOGROUP" in str(error):
                self._create_group("0")  # Redis lost the group: recreate it from the start
                return []
            raise

    def _fetch(self, max_count: int, timeout_s: float) -> list[Delivery]:
        due = self._due_released(max_count)
        if due:
            return due
        if self._own_cursor is not None:  # entries a previous run of this consumer left pending
            own = self._read(max_count, self._own_cursor, None)
            if own:
                self._own_cursor = own[-1].id
                return self._with_counts(own)
            self._own_cursor = None
        if time.monotonic() >= self._next_claim:
            self._next_claim = time.monotonic() + self.claim_interval_ms / 1000
            claimed = self._claim_idle(max_count)
            if claimed:
                return claimed
        return self._read(max_count, ">", max(1, int(timeout_s * 1000)))

    def _read(self, count: int, cursor: str, block_ms: Optional[int]) -> list[Delivery]:
        reply = self.client.xreadgroup(
            self._group, self._consumer, {self._key: cursor}, count=count, block=block_ms
        )
        out: list[Delivery] = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                if not fields:  # trimmed while pending: nothing left to process
                    self.client.xack(self._key, self._group, entry_id)
                    continue
                out.append(_delivery(entry_id, fields))
        return out

    def _with_counts(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Delivery counts from XPENDING (a fresh `>` read is always 1)."""
        if not deliveries:
            return deliveries
        rows = self.client.xpending_range(
            self._key, self._group, min=deliveries[0].id, max=deliveries[-1].id, count=len(deliveries) * 2,
            consumername=self._consumer,
        )
        counts = {r["message_id"]: int(r["times_delivered"]) for r in rows}
        for d in deliveries:
            d.delivery_count = counts.get(d.id, d.delivery_count)
        return deliveries

    def _claim_idle(self, count: int) -> list[Delivery]:
        """Entries a dead member left pending for claim_idle_ms or more."""
        reply = self.client.xautoclaim(
            self._key, self._group, self._consumer, self.claim_idle_ms, start_id="0-0", count=count
        )
        entries = reply[1] if len(reply) > 1 else []
        out = [_delivery(i, f) for i, f in entries if f]
        return self._with_counts(out)

    def _due_released(self, count: int) -> list[Delivery]:
        now = time.monotonic()
        with self._lock:
            ids = [i for i, at in self._released.items() if at <= now][:count]
            for i in ids:
                del self._released[i]
        if not ids:
            return []
        # XCLAIM without JUSTID raises the delivery count, as a redelivery should.
        entries = self.client.xclaim(self._key, self._group, self._consumer, 0, ids)
        return self._with_counts([_delivery(i, f) for i, f in entries if f])

    def ack(self, delivery: Delivery) -> None:
        with self._lock:
            self._released.pop(delivery.id, None)
        self.client.xack(self._key, self._group, delivery.id)

    def release(self, delivery: Delivery, delay_s: float) -> None:
        with self._lock:
            self._released[delivery.id] = time.monotonic() + delay_s

    def reply(self, address: str, key: str, payload: str) -> bool:
        # NOMKSTREAM: a reply to a front end that is gone must not re-create its stream.
        entry = self.client.execute_command(
            "XADD", f"{self.prefix}r:{address}", "NOMKSTREAM", "MAXLEN", "~", self.reply_max_len, "*",
            "k", key, "p", payload,
        )
        return entry is not None

    def publish(self, stream: str, key: Optional[str], payload: str) -> None:
        fields = {"p": payload} if key is None else {"k": key, "p": payload}
        self.client.xadd(self.stream_key(stream), fields, maxlen=self.max_len, approximate=True)

    def broadcast(self, channel: str, payload: str) -> None:
        self.client.publish(f"{self.prefix}ch:{channel}", payload)

    def listen(self, channel: str, on_message: Callable[[str], None]) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(f"{self.prefix}ch:{channel}")
        self._pubsubs.append(pubsub)

        def run() -> None:
            while not self._closed.is_set():
                try:
                    message = pubsub.get_message(timeout=0.2)
                except Exception as error:
                    if self._closed.is_set():
                        return
                    log.warning("listening on %s failed (%s); retrying", channel, error)
                    self._closed.wait(0.5)
                    continue
                if message and message.get("type") == "message":
                    try:
                        on_message(message["data"])
                    except Exception:
                        log.exception("broadcast handler failed")

        threading.Thread(target=run, name=f"rendezvous-listen-{channel}", daemon=True).start()

    def leave(self, unstarted: list[Delivery]) -> None:
        with self._lock:
            ids = [d.id for d in unstarted] + list(self._released)
            self._released.clear()
        if ids:  # long idle: any other member claims them on its next pass
            self.client.xclaim(
                self._key, self._group, self._consumer, 0, ids, idle=HANDOVER_IDLE_MS, justid=True
            )

    def close(self) -> None:
        self._closed.set()
        for p in self._pubsubs:
            try:
                p.close()
            except Exception:
                pass
        self.client.close()


def _delivery(entry_id: str, fields: dict) -> Delivery:
    payload = fields.get("p")
    if not isinstance(payload, str):  # not written by a Rendezvous transport: dead-lettered
        payload = json.dumps(fields)
    return Delivery(id=entry_id, payload=payload, key=fields.get("k"), delivery_count=1, handle=entry_id)
