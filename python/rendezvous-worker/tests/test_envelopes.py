"""The Python request decoder accepts and rejects what the TypeScript decodeRequest and
request.schema.json do (the cases of packages/core/test/wire-schemas.test.ts)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rendezvous_worker import envelopes  # noqa: E402
from rendezvous_worker.envelopes import InvalidEnvelope, decode_request  # noqa: E402

VALID = [
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":{"x":[1,2]},"meta":{"t":"a"}}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"rendezvous.__reply.fe","input":null}',
    '{"v":1,"id":"r1","ts":-1.5,"deadline":0,"replyTo":"x","input":"text","meta":{},"extra":1}',
    '{"v":1.0,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}',
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":[1e308,1e-400,"1e400"]}',
]
INVALID = {
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe"}': "/input",
    '{"v":2,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}': "/v",
    '{"v":true,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}': "/v",
    '{"v":"1","id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1}': "/v",
    '{"v":1,"id":"","ts":1,"deadline":2,"replyTo":"fe","input":1}': "/id",
    '{"v":1,"id":"r1","ts":"1","deadline":2,"replyTo":"fe","input":1}': "/ts",
    '{"v":1,"id":"r1","ts":true,"deadline":2,"replyTo":"fe","input":1}': "/ts",
    '{"v":1,"id":"r1","ts":1,"deadline":1e400,"replyTo":"fe","input":1}': "/deadline",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1e400}': "/input",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":{"a/b":[1,-2e999]}}': "/input/a~1b/1",
    '{"v":1,"id":"r1","ts":1,"deadline":NaN,"replyTo":"fe","input":1}': "",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"","input":1}': "/replyTo",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":{"a":1}}': "/meta/a",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":null}': "/meta",
    '{"v":1,"id":"r1","ts":1,"deadline":2,"replyTo":"fe","input":1,"meta":[]}': "/meta",
    "[1,2]": "",
    "null": "",
    '{"v":1,': "",
    "": "",
}


class EnvelopesTest(unittest.TestCase):
    def test_accepts_what_the_typescript_decoder_accepts(self):
        for raw in VALID:
            r = decode_request(raw)
            self.assertEqual(r.input, json.loads(raw)["input"], raw)
        self.assertEqual(decode_request(VALID[1]).meta, {})

    def test_rejects_what_it_rejects_naming_the_field(self):
        for raw, path in INVALID.items():
            with self.assertRaises(InvalidEnvelope, msg=raw) as caught:
                decode_request(raw)
            self.assertEqual(caught.exception.path, path, raw)

    def test_scores_are_written_in_wire_order(self):
        model = envelopes.model_identity("dt", "1", "a")
        head = '{"v":1,"requestId":"r1","model":{"name":"dt","version":"1","instance":"a"},'
        times = '"receivedAt":1,"startedAt":2,"finishedAt":3}'
        self.assertEqual(
            envelopes.score_ok("r1", model, [0.5, 1], (1, 2, 3)),
            head + '"ok":true,"output":[0.5,1],' + times,
        )
        self.assertEqual(
            envelopes.score_error("r1", model, "BAD_INPUT", "no", (1, 2, 3)),
            head + '"ok":false,"error":{"code":"BAD_INPUT","message":"no"},' + times,
        )

    def test_scores_and_heartbeats_are_strict_json(self):
        model = envelopes.model_identity("dt", "1", "a")
        with self.assertRaises(ValueError):
            envelopes.score_ok("r1", model, float("nan"), (1, 1, 2))
        s = json.loads(envelopes.score_error("r1", model, "", "m", (1, 1, 2)))
        self.assertEqual(s["error"], {"code": "PREDICT_FAILED", "message": "m"})
        hb = json.loads(envelopes.heartbeat("alive", model, 1000.0, 5))
        self.assertEqual(hb, {"v": 1, "kind": "alive", "model": model, "intervalMs": 1000.0, "ts": 5})
        self.assertTrue(envelopes.is_probe('{"v":1,"kind":"probe","ts":1}'))
        self.assertFalse(envelopes.is_probe('{"v":1,"kind":"probe"}'))


if __name__ == "__main__":
    unittest.main()
