"""Wire envelopes of wire version 1 (docs/protocol.md): decode a request, build a score, a
heartbeat and a dead-letter record. Decoding follows the TypeScript decoders and the JSON Schemas
in @rendezvous-ml/core/schemas exactly: the same messages are accepted and rejected."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Optional, Any, Mapping

WIRE_VERSION = 1


class InvalidEnvelope(ValueError):
    """A message that is not a valid envelope; `path` is the JSON pointer of the bad field."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


@dataclass(frozen=True)
class Request:
    """A request read from the requests stream."""

    id: str
    ts: float
    deadline: float
    reply_to: str
    input: Any
    meta: Mapping[str, str] = field(default_factory=dict)


def _is_number(value: Any) -> bool:
    # bool is an int in Python; JSON true is not a number.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _string(o: Mapping[str, Any], key: str, path: str, allow_empty: bool = False) -> str:
    value = o.get(key)
    if not isinstance(value, str):
        raise InvalidEnvelope("expected a string", f"{path}/{key}")
    if not allow_empty and value == "":
        raise InvalidEnvelope("must not be empty", f"{path}/{key}")
    return value


def _number(o: Mapping[str, Any], key: str, path: str) -> float:
    value = o.get(key)
    if not _is_number(value):
        raise InvalidEnvelope("expected a finite number", f"{path}/{key}")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: str) -> Any:
    """JSON as JavaScript's JSON.parse reads it: NaN and Infinity literals are refused."""
    return json.loads(raw, parse_constant=_refuse_constant)


def _parse_object(raw: str) -> dict:
    try:
        value = loads(raw)
    except (ValueError, TypeError) as error:
        raise InvalidEnvelope("payload is not valid JSON") from error
    if not isinstance(value, dict):
        raise InvalidEnvelope("expected an object")
    if value.get("v") != WIRE_VERSION or isinstance(value.get("v"), bool):
        raise InvalidEnvelope(
            f"unsupported wire version {json.dumps(value.get('v'))} (expected {WIRE_VERSION})", "/v"
        )
    return value


def _finite_json(value: Any, path: str) -> Any:
    """A payload (any JSON) whose numbers are finite: a literal such as 1e400 parses to inf,
    which JSON cannot carry back, so it is refused with its path, as the TypeScript decoder does."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidEnvelope(f"{value} is not JSON (JSON would write null)", path)
    if isinstance(value, list):
        for i, item in enumerate(value):
            _finite_json(item, f"{path}/{i}")
    elif isinstance(value, dict):
        for k, item in value.items():
            _finite_json(item, f"{path}/{k.replace('~', '~0').replace('/', '~1')}")
    return value


def decode_request(raw: str) -> Request:
    """Reads a request envelope; raises InvalidEnvelope naming the first bad field."""
    o = _parse_object(raw)
    if "input" not in o:
        raise InvalidEnvelope("missing", "/input")
    request_id = _string(o, "id", "")
    ts = _number(o, "ts", "")
    deadline = _number(o, "deadline", "")
    reply_to = _string(o, "replyTo", "")
    meta = o.get("meta", None) if "meta" in o else {}
    if not isinstance(meta, dict):
        raise InvalidEnvelope("expected an object", "/meta")
    for k, v in meta.items():
        if not isinstance(v, str):
            raise InvalidEnvelope("expected a string", f"/meta/{k}")
    return Request(request_id, ts, deadline, reply_to, _finite_json(o["input"], "/input"), meta)


def _to_json_value(value: Any) -> Any:
    """numpy scalars and arrays (anything with `tolist`) become plain JSON values."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"a {type(value).__name__} is not JSON")


def encode_json(value: Any) -> str:
    """Strict JSON: NaN and infinities are refused (JSON would not carry them), as are objects
    JSON cannot represent; numpy values are converted."""
    return json.dumps(value, allow_nan=False, default=_to_json_value, separators=(",", ":"))


def model_identity(name: str, version: str, instance: str) -> dict:
    return {"name": name, "version": version, "instance": instance}


def _score(request_id: str, model: dict, outcome: dict, times: tuple) -> str:
    """A score's wire form around its outcome (`ok` with `output` or `error`), fields in wire order."""
    received, started, finished = times
    return encode_json(
        {
            "v": WIRE_VERSION,
            "requestId": request_id,
            "model": model,
            **outcome,
            "receivedAt": received,
            "startedAt": started,
            "finishedAt": finished,
        }
    )


def score_ok(request_id: str, model: dict, output: Any, times: tuple) -> str:
    """The wire form of a successful score; raises ValueError/TypeError if `output` is not JSON."""
    return _score(request_id, model, {"ok": True, "output": output}, times)


def score_error(request_id: str, model: dict, code: str, message: str, times: tuple) -> str:
    """The wire form of an error score."""
    error = {"code": code or "PREDICT_FAILED", "message": message}
    return _score(request_id, model, {"ok": False, "error": error}, times)


def heartbeat(kind: str, model: dict, interval_ms: float, ts: float) -> str:
    """An `alive` or `leaving` heartbeat."""
    return encode_json({"v": WIRE_VERSION, "kind": kind, "model": model, "intervalMs": interval_ms, "ts": ts})


def is_probe(raw: str) -> bool:
    """Whether a heartbeats-channel message is a front end's probe."""
    try:
        o = loads(raw)
    except (ValueError, TypeError):
        return False
    return isinstance(o, dict) and o.get("v") == WIRE_VERSION and o.get("kind") == "probe" and _is_number(o.get("ts"))


def retire_target(raw: str) -> Optional[tuple[str, str]]:
    """The (name, version) a control-channel `retire` message is addressed to, or None for any
    other message (other kinds, invalid JSON, wrong fields), which a worker ignores."""
    try:
        o = loads(raw)
    except (ValueError, TypeError):
        return None
    if not (isinstance(o, dict) and o.get("v") == WIRE_VERSION and o.get("kind") == "retire"):
        return None
    m = o.get("model")
    if not (isinstance(m, dict) and _is_number(o.get("ts"))):
        return None
    name, version = m.get("name"), m.get("version")
    if not (isinstance(name, str) and name and isinstance(version, str) and version):
        return None
    return name, version


def dead_letter(component: str, source: str, message_id: str, code: str, message: str, payload: str, at: float) -> str:
    """A dead-letter record."""
    return encode_json(
        {
            "v": WIRE_VERSION,
            "component": component,
            "source": source,
            "id": message_id,
            "reason": {"code": code, "message": message},
            "payload": payload,
            "at": at,
        }
    )
