"""A model worker that speaks the Rendezvous wire protocol (docs/protocol.md), on any transport
that implements `rendezvous_worker.transport.Transport`."""

from __future__ import annotations

import inspect
import logging
import os
import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from . import envelopes
from .envelopes import InvalidEnvelope, Request
from .transport import Delivery, Transport

log = logging.getLogger("rendezvous_worker")

DEFAULT_STREAMS = {
    "requests": "requests",
    "deadLetter": "dead-letter",
    "heartbeats": "heartbeats",
    "control": "control",
}


class PredictError(Exception):
    """Raise it from `predict` to send an error score with your own `code`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PredictContext:
    """What `predict(input, ctx)` receives besides the input."""

    request_id: str
    deadline: float
    meta: Mapping[str, str]

    def remaining_ms(self) -> float:
        """Milliseconds left until the request's deadline (a prediction should stop by then)."""
        return self.deadline - time.time() * 1000


def _takes_context(predict: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(predict).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _check_name(field: str, value: Any) -> str:
    if not isinstance(value, str) or value == "" or "@" in value or any(c.isspace() for c in value):
        raise ValueError(
            f"{field} must be a non-empty string without '@' or whitespace, such as 'dt' or '1' (got {value!r})"
        )
    return value


class Worker:
    """Serves one model version `name@version`: joins the group `model:<name>@<version>`,
    heartbeats, answers probes, predicts with `concurrency` threads, sends one score per request
    to its return address, then acknowledges it."""

    def __init__(
        self,
        predict: Callable[..., Any],
        *,
        name: str,
        version: str,
        transport: Transport,
        instance: Optional[str] = None,
        concurrency: int = 8,
        heartbeat_interval_ms: float = 1000,
        max_deliveries: int = 5,
        parse_input: Optional[Callable[[Any], Any]] = None,
        streams: Optional[Mapping[str, str]] = None,
        retirable: bool = True,
    ) -> None:
        if not callable(predict):
            raise ValueError("predict must be a function of (input) or (input, ctx)")
        if not (isinstance(concurrency, int) and concurrency > 0):
            raise ValueError(f"concurrency must be a positive integer such as 8 (got {concurrency!r})")
        if not (isinstance(heartbeat_interval_ms, (int, float)) and heartbeat_interval_ms > 0):
            raise ValueError(f"heartbeat_interval_ms must be positive, such as 1000 (got {heartbeat_interval_ms!r})")
        self.name = _check_name("name", name)
        self.version = _check_name("version", version)
        self.instance = instance or f"{name}-{version}-py-{os.getpid()}-{random.randrange(36**4):04x}"
        self.model = envelopes.model_identity(self.name, self.version, self.instance)
        self.group = f"model:{self.name}@{self.version}"
        self.transport = transport
        self.streams = {**DEFAULT_STREAMS, **(streams or {})}
        self._predict = predict
        self._with_context = _takes_context(predict)
        self._parse_input = parse_input
        self._concurrency = concurrency
        self._prefetch = concurrency * 2
        self._interval_ms = float(heartbeat_interval_ms)
        self._max_deliveries = max_deliveries
        self._retirable = retirable
        #: Set when a `retire` for this name@version arrived on the control channel.
        self.retired = threading.Event()
        self._jobs: "queue.Queue[Optional[tuple[Delivery, Request, float]]]" = queue.Queue()
        self._lock = threading.Condition()
        self._held = 0
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False
        self.counters = {
            "scored": 0,
            "failedPredictions": 0,
            "skippedExpired": 0,
            "expiredPredictions": 0,
            "expiredUnsent": 0,
            "replyFailures": 0,
            "repliesToClosedAddresses": 0,
            "deadLettered": 0,
            "heartbeatFailures": 0,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Joins the group, starts the prediction threads, heartbeats and probe answers."""
        if self._started:
            return
        self._started = True
        self.transport.start(self.streams["requests"], self.group, self.instance)
        for i in range(self._concurrency):
            self._spawn(self._run_jobs, f"predict-{i}")
        self.transport.listen(self.streams["heartbeats"], self._on_broadcast)
        if self._retirable:
            self.transport.listen(self.streams["control"], self._on_control)
        self._send_heartbeat("alive")
        self._spawn(self._beat, "heartbeats")
        self._spawn(self._consume, "consume")
        log.info("worker %s@%s (%s) serving on %s", self.name, self.version, self.instance, self.transport.name)

    def stop(self, timeout: Optional[float] = 30.0) -> None:
        """Graceful stop: says `leaving`, takes no new requests, finishes and replies to the
        predictions it started, hands back the requests it had not started, leaves the group."""
        if self._stopping.is_set():
            self._stopped.wait(timeout)
            return
        self._stopping.set()
        self._send_heartbeat("leaving")
        consumer = next((t for t in self._threads if t.name.endswith("consume")), None)
        if consumer:
            consumer.join(timeout)
        unstarted: list[Delivery] = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                unstarted.append(job[0])
        for _ in range(self._concurrency):
            self._jobs.put(None)
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout)
        try:
            self.transport.leave(unstarted)
        finally:
            self.transport.close()
            self._stopped.set()
        log.info("worker %s@%s (%s) stopped: %s", self.name, self.version, self.instance, self.counters)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the worker has stopped."""
        return self._stopped.wait(timeout)

    def stats(self) -> dict:
        """Counters, for metrics and tests."""
        with self._lock:
            return {**self.counters, "held": self._held}

    # -- threads -----------------------------------------------------------------------------

    def _spawn(self, target: Callable[[], None], what: str) -> None:
        t = threading.Thread(target=target, name=f"rendezvous-{self.name}@{self.version}-{what}", daemon=True)
        self._threads.append(t)
        t.start()

    def _beat(self) -> None:
        while not self._stopping.wait(self._interval_ms / 1000):
            self._send_heartbeat("alive")

    def _on_broadcast(self, payload: str) -> None:
        if not self._stopping.is_set() and envelopes.is_probe(payload):
            self._send_heartbeat("alive")

    def _on_control(self, payload: str) -> None:
        target = envelopes.retire_target(payload)
        if target != (self.name, self.version) or self._stopping.is_set() or self.retired.is_set():
            return
        self.retired.set()
        log.info("worker %s@%s (%s) retired on the control channel: draining", self.name, self.version, self.instance)
        # Not from this listener thread: stop() closes the transport, which ends this thread.
        threading.Thread(target=self.stop, name=f"rendezvous-{self.name}@{self.version}-retire").start()

    def _send_heartbeat(self, kind: str) -> None:
        try:
            self.transport.broadcast(
                self.streams["heartbeats"], envelopes.heartbeat(kind, self.model, self._interval_ms, _now())
            )
        except Exception as error:  # best effort: a heartbeat is never worth a crash
            self._count("heartbeatFailures")
            log.warning("heartbeat %s failed: %s", kind, error)

    def _consume(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            with self._lock:
                credit = self._prefetch - self._held
            try:
                deliveries = self.transport.fetch(max(credit, 0), 0.2)
                failures = 0
            except Exception as error:
                failures += 1
                delay = min(5.0, 0.1 * 2 ** min(failures, 6))
                log.warning("reading requests failed (%s); retrying in %.1f s", error, delay)
                self._stopping.wait(delay)
                continue
            for d in deliveries:
                with self._lock:
                    self._held += 1
                self._admit(d)

    def _admit(self, delivery: Delivery) -> None:
        received = _now()
        try:
            request = envelopes.decode_request(delivery.payload)
        except InvalidEnvelope as error:
            self._dead_letter(delivery, "INVALID_ENVELOPE", str(error))
            return
        if delivery.delivery_count > self._max_deliveries:
            why = f"delivered {delivery.delivery_count} times (max {self._max_deliveries})"
            self._dead_letter(delivery, "REDELIVERY_LIMIT", why)
            return
        if received >= request.deadline:
            self._count("skippedExpired")
            self._settle(delivery, ack=True)
            return
        self._jobs.put((delivery, request, received))

    def _run_jobs(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            delivery, request, received = job
            try:
                self._handle(delivery, request, received)
            except Exception:  # never lose a thread; the delivery comes back after a while
                log.exception("unexpected failure handling request %s", request.id)
                self._settle(delivery, release_s=1.0)

    # -- one request -------------------------------------------------------------------------

    def _handle(self, delivery: Delivery, request: Request, received: float) -> None:
        started = _now()
        if started >= request.deadline:  # waited for a slot past the deadline
            self._count("skippedExpired")
            self._settle(delivery, ack=True)
            return
        code, message, output = self._predict_one(request)
        finished = _now()
        if finished >= request.deadline:
            self._count("expiredPredictions")
            self._settle(delivery, ack=True)
            return
        times = (received, started, finished)
        payload = None
        if code is None:
            try:
                payload = envelopes.score_ok(request.id, self.model, output, times)
            except (ValueError, TypeError, RecursionError) as error:
                code = "OUTPUT_NOT_SERIALIZABLE"
                message = (
                    f"predict returned an output JSON cannot carry ({error}): return None, a bool, "
                    "a finite number, a str, a list or a dict"
                )
        if payload is None:
            self._count("failedPredictions")
            payload = envelopes.score_error(request.id, self.model, code or "PREDICT_FAILED", message, times)
        self._reply(delivery, request, payload)

    def _predict_one(self, request: Request) -> tuple[Optional[str], str, Any]:
        try:
            value = self._parse_input(request.input) if self._parse_input else request.input
        except Exception as error:
            return "INVALID_INPUT", f"{type(error).__name__}: {error}", None
        try:
            if self._with_context:
                ctx = PredictContext(request.id, request.deadline, request.meta)
                return None, "", self._predict(value, ctx)
            return None, "", self._predict(value)
        except PredictError as error:
            return error.code, str(error), None
        except Exception as error:
            return "PREDICT_FAILED", f"{type(error).__name__}: {error}", None

    def _reply(self, delivery: Delivery, request: Request, payload: str) -> None:
        delay = 0.05
        while True:
            try:
                delivered = self.transport.reply(request.reply_to, request.id, payload)
            except Exception as error:
                if _now() + delay * 1000 >= request.deadline:
                    self._count("expiredUnsent")
                    log.warning("score for %s unsent before its deadline (%s); acknowledged", request.id, error)
                    self._settle(delivery, ack=True)
                    return
                if delay >= 0.4:
                    self._count("replyFailures")
                    log.warning("score for %s unsent (%s); handed back", request.id, error)
                    self._settle(delivery, release_s=delay)
                    return
                time.sleep(delay)
                delay *= 2
                continue
            if not delivered:
                self._count("repliesToClosedAddresses")
            else:
                self._count("scored")
            self._settle(delivery, ack=True)
            return

    def _dead_letter(self, delivery: Delivery, code: str, message: str) -> None:
        record = envelopes.dead_letter(
            f"worker {self.name}@{self.version}",
            self.streams["requests"],
            delivery.id,
            code,
            message,
            delivery.payload,
            _now(),
        )
        try:
            self.transport.publish(self.streams["deadLetter"], delivery.id, record)
        except Exception as error:
            log.warning("dead letter of %s not written (%s); handed back", delivery.id, error)
            self._settle(delivery, release_s=1.0)
            return
        self._count("deadLettered")
        log.warning("dead-lettered %s: %s %s", delivery.id, code, message)
        self._settle(delivery, ack=True)

    def _settle(self, delivery: Delivery, ack: bool = False, release_s: float = 0.0) -> None:
        try:
            if ack:
                self.transport.ack(delivery)
            else:
                self.transport.release(delivery, release_s)
        except Exception as error:
            log.warning("settling %s failed (%s); it will be redelivered", delivery.id, error)
        finally:
            with self._lock:
                self._held -= 1
                self._lock.notify_all()

    def _count(self, key: str) -> None:
        with self._lock:
            self.counters[key] += 1


def _now() -> float:
    return time.time() * 1000
