"""Rendezvous model workers in Python: `serve(predict, name=..., version=..., transport=...)`.

The wire protocol is docs/protocol.md of the Rendezvous repository (wire version 1)."""

from .envelopes import WIRE_VERSION, InvalidEnvelope, decode_request
from .serve import serve
from .transport import Delivery, Transport, transport_from_url
from .worker import PredictContext, PredictError, Worker

__all__ = [
    "WIRE_VERSION",
    "Delivery",
    "InvalidEnvelope",
    "PredictContext",
    "PredictError",
    "Transport",
    "Worker",
    "decode_request",
    "serve",
    "transport_from_url",
]
