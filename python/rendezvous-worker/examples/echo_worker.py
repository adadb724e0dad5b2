"""The worker the conformance runner drives (docs/protocol.md, "Checking a foreign worker"):
returns its input; raises for {"fail": true}; sleeps input["sleepMs"] ms when given.

    RENDEZVOUS_TRANSPORT=redis RENDEZVOUS_REDIS_URL=redis://127.0.0.1:6379 python3 echo_worker.py
"""

import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rendezvous_worker import PredictError, serve  # noqa: E402
from rendezvous_worker.transport import transport_from_url  # noqa: E402


def predict(x):
    if isinstance(x, dict):
        if x.get("fail"):
            raise PredictError("ECHO_FAILED", "asked to fail")
        if isinstance(x.get("sleepMs"), (int, float)):
            time.sleep(x["sleepMs"] / 1000)
    return x


def main():
    logging.basicConfig(level=os.environ.get("RENDEZVOUS_LOG", "WARNING"), stream=sys.stderr)
    kind = os.environ.get("RENDEZVOUS_TRANSPORT", "redis")
    if kind == "redis":
        url = os.environ.get("RENDEZVOUS_REDIS_URL", "redis://127.0.0.1:6379")
    else:
        url = "kafka://" + os.environ.get("RENDEZVOUS_KAFKA_BROKERS", "127.0.0.1:9092")
    transport = transport_from_url(url, os.environ.get("RENDEZVOUS_PREFIX") or None)
    claim_idle_ms = os.environ.get("RENDEZVOUS_CLAIM_IDLE_MS")
    if claim_idle_ms and kind == "redis":  # how soon a killed member's requests are taken over
        transport.claim_idle_ms = int(claim_idle_ms)
        transport.claim_interval_ms = min(5000, max(100, int(claim_idle_ms) // 2))
    serve(
        predict,
        name=os.environ.get("RENDEZVOUS_MODEL_NAME", "echo"),
        version=os.environ.get("RENDEZVOUS_MODEL_VERSION", "1"),
        transport=transport,
        heartbeat_interval_ms=float(os.environ.get("RENDEZVOUS_HEARTBEAT_MS", "1000")),
        concurrency=int(os.environ.get("RENDEZVOUS_CONCURRENCY", "4")),
    )


if __name__ == "__main__":
    main()
