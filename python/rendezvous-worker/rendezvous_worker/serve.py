"""`serve()`: run one worker in the foreground until SIGTERM or Ctrl-C, then stop gracefully."""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable, Optional, Union

from .transport import Transport, transport_from_url
from .worker import Worker


def serve(
    predict: Callable[..., Any],
    *,
    name: str,
    version: str,
    transport: Union[Transport, str],
    prefix: Optional[str] = None,
    block: bool = True,
    **options: Any,
) -> Worker:
    """Serves `predict` as model `name@version` on `transport` (a Transport, or a URL such as
    `redis://127.0.0.1:6379` or `kafka://127.0.0.1:9092`). Blocks until SIGTERM/SIGINT (when
    called from the main thread) or until `worker.stop()`, then stops gracefully. With
    `block=False` it returns the started worker at once.

        serve(lambda x: tree.predict([x])[0].item(), name="dt", version="1",
              transport="redis://127.0.0.1:6379")
    """
    if isinstance(transport, str):
        transport = transport_from_url(transport, prefix)
    worker = Worker(predict, name=name, version=version, transport=transport, **options)
    worker.start()
    if not block:
        return worker
    if threading.current_thread() is threading.main_thread():
        stop = threading.Event()
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            while not stop.wait(0.5) and not worker.wait(0):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        worker.stop()
    else:
        worker.wait()
    return worker
