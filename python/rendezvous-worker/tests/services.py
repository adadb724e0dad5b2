"""Real services for the tests: a redis-server started on a free port (or RENDEZVOUS_REDIS_URL),
a Kafka broker from RENDEZVOUS_KAFKA_BROKERS. A missing service skips, unless CI=true or
RENDEZVOUS_REQUIRE_SERVICES=1, where it fails."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest


def required() -> bool:
    return os.environ.get("CI") in ("true", "1") or os.environ.get("RENDEZVOUS_REQUIRE_SERVICES") == "1"


def unavailable(reason: str):
    if required():
        raise RuntimeError(f"{reason}, and services are required (CI=true or RENDEZVOUS_REQUIRE_SERVICES=1)")
    raise unittest.SkipTest(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        self.proc = None
        self.dir = None
        url = os.environ.get("RENDEZVOUS_REDIS_URL")
        if url:
            self.url = url
            return
        if not shutil.which("redis-server"):
            unavailable("redis-server is not installed")
        port = free_port()
        self.dir = tempfile.mkdtemp(prefix="rendezvous-py-redis-")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}"
        deadline = time.time() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                unavailable("redis-server did not answer PING within 15 s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def kafka_brokers() -> str:
    brokers = os.environ.get("RENDEZVOUS_KAFKA_BROKERS")
    if not brokers:
        unavailable("no Kafka broker: set RENDEZVOUS_KAFKA_BROKERS (npm test starts one)")
    return brokers


def wait_for(check, what: str, timeout: float = 10.0, every: float = 0.02):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
