#!/usr/bin/env bash
# Starts the iris example as separate processes (decoy, score archiver, dt and lr workers, front
# end) on Redis or Kafka, and stops them in order on Ctrl-C. A thin wrapper around `iris up`.
#
#   RENDEZVOUS_TRANSPORT=redis REDIS_URL=redis://127.0.0.1:6379 examples/iris/scripts/start-all.sh
#   RENDEZVOUS_TRANSPORT=kafka KAFKA_BROKERS=127.0.0.1:9092     examples/iris/scripts/start-all.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ "${RENDEZVOUS_TRANSPORT:-}" != "redis" && "${RENDEZVOUS_TRANSPORT:-}" != "kafka" ]]; then
  echo "start-all.sh: set RENDEZVOUS_TRANSPORT=redis (with REDIS_URL) or kafka (with KAFKA_BROKERS)" >&2
  echo "              for everything in one process on the memory transport, run: npm run iris" >&2
  exit 2
fi
exec node "$here/../bin/iris.js" up "$@"
