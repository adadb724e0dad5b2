"""The iris models of the Python reference implementation, served as Rendezvous workers.

Trains like the reference, on scikit-learn's own iris data (all 150 rows):
`DecisionTreeClassifier(random_state=0)` as `dt@1` (production) and
`LogisticRegression(random_state=0)` as `lr@0` (the canary baseline), and serves one of them
beside, or instead of, the TypeScript workers (`iris worker --model ...`):

    RENDEZVOUS_TRANSPORT=redis REDIS_URL=redis://127.0.0.1:6379 python3 examples/iris/python/iris_worker.py --model dt
    RENDEZVOUS_TRANSPORT=kafka KAFKA_BROKERS=127.0.0.1:9092 python3 examples/iris/python/iris_worker.py --model lr

Input: {"sepalLength", "sepalWidth", "petalLength", "petalWidth"} in cm; output: the class
index (0 setosa, 1 versicolor, 2 virginica), as the TypeScript models answer. Needs Debian's
python3-sklearn and python3-redis or python3-confluent-kafka.
"""

import argparse
import json
import logging
import math
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python", "rendezvous-worker"))

from rendezvous_worker import PredictError, serve  # noqa: E402
from rendezvous_worker.transport import transport_from_url  # noqa: E402

FEATURES = ["sepalLength", "sepalWidth", "petalLength", "petalWidth"]
VERSIONS = {"dt": "1", "lr": "0"}


def train(name):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    x, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():  # the reference's LogisticRegression stops at max_iter=100
        warnings.simplefilter("ignore")
        model = DecisionTreeClassifier(random_state=0) if name == "dt" else LogisticRegression(random_state=0)
        model.fit(x, y)
    return model, x


def features_of(value):
    if not isinstance(value, dict):
        raise PredictError("INVALID_INPUT", "iris input must be an object")
    row = []
    for f in FEATURES:
        v = value.get(f)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise PredictError("INVALID_INPUT", f"{f} must be a finite number")
        row.append(float(v))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(VERSIONS), required=True)
    parser.add_argument("--predict-all", action="store_true",
                        help="print {rows, predictions} for the whole iris data set as JSON, and exit")
    args = parser.parse_args()
    model, x = train(args.model)
    if args.predict_all:
        rows = [dict(zip(FEATURES, map(float, r))) for r in x]
        print(json.dumps({"rows": rows, "predictions": model.predict(x).tolist()}))
        return
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "warning").upper(), stream=sys.stderr)
    kind = os.environ.get("RENDEZVOUS_TRANSPORT", "redis").lower()
    if kind == "redis":
        transport = transport_from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"), "iris:")
    elif kind == "kafka":
        transport = transport_from_url("kafka://" + os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"), "iris.")
    else:
        parser.error(f"RENDEZVOUS_TRANSPORT must be redis or kafka for a Python worker, got {kind!r}")
    serve(
        lambda value: int(model.predict([features_of(value)])[0]),
        name=args.model,
        version=VERSIONS[args.model],
        transport=transport,
        heartbeat_interval_ms=float(os.environ.get("HEARTBEAT_MS", "1000")),
        concurrency=int(os.environ.get("WORKER_CONCURRENCY", "8")),
    )


if __name__ == "__main__":
    main()
