#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft, combined broker+controller)
# on 127.0.0.1 for tests and CI. Jars come from Maven Central via scripts/kafka/pom.xml.
#
#   kafka.sh fetch                           resolve jars into the cache (reused on later runs)
#   kafka.sh start --dir DIR [--port PORT]   format (first time only) + start + wait until ready;
#                                            prints exactly one stdout line: KAFKA_BROKERS=127.0.0.1:<port>
#   kafka.sh stop  --dir DIR                 SIGTERM, wait up to KAFKA_STOP_TIMEOUT (20 s), then SIGKILL
#   kafka.sh kill  --dir DIR                 SIGKILL now
#   kafka.sh status --dir DIR                exit 0 and print KAFKA_BROKERS=... if running, else exit 1
#
# Environment:
#   KAFKA_VERSION         kafka_2.13 version (default 4.1.1)
#   RENDEZVOUS_CACHE      cache root (default ~/.cache/rendezvous); jars go to <root>/kafka-<version>/libs
#   JAVA_HOME / KAFKA_JAVA  java to run (default: $KAFKA_JAVA, else $JAVA_HOME/bin/java, else java); needs 17+
#   KAFKA_HEAP_OPTS       default "-Xms256m -Xmx512m"
#   KAFKA_JVM_OPTS        default "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k ..." (light, fast start)
#   KAFKA_START_TIMEOUT   seconds to wait for readiness (default 60)
#   KAFKA_STOP_TIMEOUT    seconds to wait after SIGTERM before SIGKILL (default 20)
#
# Everything except the KAFKA_BROKERS line goes to stderr. Broker logs: DIR/logs/server.log,
# JVM stdout/stderr: DIR/kafka.out.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
CACHE_DIR="${RENDEZVOUS_CACHE:-$HOME/.cache/rendezvous}/kafka-${KAFKA_VERSION}"
LIBS="$CACHE_DIR/libs"
MARKER="$LIBS/.complete"

java_bin() {
  if [[ -n "${KAFKA_JAVA:-}" ]]; then
    printf '%s' "$KAFKA_JAVA"
  elif [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
    printf '%s' "${JAVA_HOME}/bin/java"
  else
    command -v java || die "java not found (need Java 17+)"
  fi
}

check_java() {
  local j ver major
  j="$(java_bin)"
  ver="$("$j" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${ver%%.*}"
  [[ "$major" == "1" ]] && major="$(cut -d. -f2 <<<"$ver")"
  if [[ ! "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka ${KAFKA_VERSION} needs Java 17+, but $j is '${ver:-unknown}'"
  fi
}

# Fingerprint of what the cache was built from: a changed pom or version refetches.
fetch_key() {
  printf '%s\n' "$KAFKA_VERSION"
  cksum <"$SCRIPT_DIR/pom.xml"
}

cmd_fetch() {
  if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(fetch_key)" ]]; then
    log "using cached jars in $LIBS"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch Kafka jars)"
  mkdir -p "$CACHE_DIR"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  log "fetching kafka_2.13:${KAFKA_VERSION} from Maven Central into $LIBS ..."
  local start=$SECONDS
  if ! maven_fetch "kafka_2.13:${KAFKA_VERSION}" "$CACHE_DIR/mvn.log" "$tmp" -Dkafka.version="$KAFKA_VERSION"; then
    rm -rf "$tmp"
    die "maven failed to resolve kafka_2.13:${KAFKA_VERSION} (full log: $CACHE_DIR/mvn.log)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar after maven run"; }
  fetch_key >"$tmp/.complete"
  swap_in "$tmp" "$LIBS"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - start)) s"
}



pid_command() { echo "kafka.Kafka $DIR/server.properties"; } # what our broker's command line contains

SERVICE=broker PID_NAME=kafka.pid NOT_READY="not ready" READY_PREFIX="KAFKA_BROKERS=127.0.0.1:"
LOG_FILES="kafka.out logs/server.log" LOG_LINES=40
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}" STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
# shellcheck source-path=SCRIPTDIR source=../lib/jvm-service.sh
source "$SCRIPT_DIR/../lib/jvm-service.sh"

# Wait until the broker answers a Metadata request listing itself (and a controller),
# using a dependency-free Kafka protocol probe (ApiVersions v0, then Metadata v1..v8).
# Exit: 0 ready, 1 timeout, 2 broker process gone.
wait_ready() {
  local port="$1" pid="$2" timeout="$3"
  node - "$port" "$pid" "$timeout" <<'EOF'
const net = require("net");
const [port, pid, timeoutS] = process.argv.slice(2).map(Number);
const deadline = Date.now() + timeoutS * 1000;
let corr = 0;

function request(sock, apiKey, version, body) {
  const client = Buffer.from("kafka.sh");
  const hdr = Buffer.alloc(10);
  hdr.writeInt16BE(apiKey, 0); hdr.writeInt16BE(version, 2); hdr.writeInt32BE(++corr, 4);
  hdr.writeInt16BE(client.length, 8);
  const payload = Buffer.concat([hdr, client, body]);
  const len = Buffer.alloc(4); len.writeInt32BE(payload.length, 0);
  sock.write(Buffer.concat([len, payload]));
}

function probe() {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0), step = 0, metaVersion = -1, done = false;
    const finish = (ok, why) => { if (!done) { done = true; sock.destroy(); resolve({ ok, why }); } };
    sock.setTimeout(3000, () => finish(false, "timeout"));
    sock.on("error", (e) => finish(false, e.code || String(e)));
    sock.on("close", () => finish(false, "closed"));
    sock.on("connect", () => request(sock, 18, 0, Buffer.alloc(0))); // ApiVersions v0
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const r = buf.subarray(8, 4 + buf.readInt32BE(0)); // skip size + correlation id
      buf = Buffer.alloc(0);
      try {
        if (step === 0) {
          if (r.readInt16BE(0) !== 0) return finish(false, "ApiVersions error " + r.readInt16BE(0));
          const n = r.readInt32BE(2);
          for (let i = 0, o = 6; i < n; i++, o += 6) {
            if (r.readInt16BE(o) === 3) {
              const lo = r.readInt16BE(o + 2), hi = r.readInt16BE(o + 4);
              if (Math.min(hi, 8) >= Math.max(lo, 1)) metaVersion = Math.min(hi, 8);
            }
          }
          if (metaVersion < 1) return finish(false, "no usable Metadata version");
          step = 1;
          const body = Buffer.alloc(4 + (metaVersion >= 4 ? 1 : 0) + (metaVersion >= 8 ? 2 : 0));
          body.writeInt32BE(0, 0); // no topics: we only want brokers + controller
          request(sock, 3, metaVersion, body);
        } else {
          let o = metaVersion >= 3 ? 4 : 0; // throttle_time_ms
          const nb = r.readInt32BE(o); o += 4;
          let self = false;
          for (let i = 0; i < nb; i++) {
            o += 4; const hl = r.readInt16BE(o); o += 2 + hl;
            const p = r.readInt32BE(o); o += 4;
            const rl = r.readInt16BE(o); o += 2 + Math.max(rl, 0);
            if (p === port) self = true;
          }
          if (metaVersion >= 2) { const cl = r.readInt16BE(o); o += 2 + Math.max(cl, 0); }
          const controller = r.readInt32BE(o);
          finish(self && controller >= 0, `brokers=${nb} self=${self} controller=${controller}`);
        }
      } catch (e) { finish(false, "parse: " + e.message); }
    });
  });
}

(async () => {
  let last = "";
  for (;;) {
    try { process.kill(pid, 0); } catch { process.exit(2); }
    const r = await probe();
    if (r.ok) process.exit(0);
    last = r.why;
    if (Date.now() > deadline) { console.error("kafka.sh: not ready: " + last); process.exit(1); }
    await new Promise((res) => setTimeout(res, 200));
  }
})();
EOF
}

write_config() {
  local port="$1" cport="$2"
  mkdir -p "$DIR/data" "$DIR/logs"
  cat >"$DIR/server.properties" <<EOF
# Generated by scripts/kafka/kafka.sh (rewritten on every start). Single-node KRaft for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${DIR}/data

# topics / groups
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
# let tests use short consumer session timeouts (broker default minimum is 6 s)
group.min.session.timeout.ms=1000
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# small + light
log.segment.bytes=16777216
log.retention.ms=3600000
log.retention.bytes=268435456
log.retention.check.interval.ms=60000
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
# The controller fences the broker (every partition leader is re-elected, so every consumer
# group reloads and all members must rejoin) when the broker's heartbeats stop for
# broker.session.timeout.ms. Both run in this one JVM, so only a stalled JVM misses them; with
# 4 s, an iris test on a loaded 2-core machine saw every group lose its members at once (most
# likely that fencing; the broker log was not kept). 15 s keeps the broker up through stalls. The price is paid only
# after a SIGKILL (`kafka.sh kill`, no test uses it): the restarted controller refuses the new
# broker incarnation (DUPLICATE_BROKER_REGISTRATION) until the old session expires.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=15000
EOF
  cat >"$DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${DIR}/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
EOF
}

random_cluster_id() { # Kafka Uuid string: 16 random bytes, base64url without padding, not starting with '-'
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { printf '%s' "$id"; return; }
  done
}


cmd_start() {
  parse_args "$@"
  report_running && return 0
  local pid

  check_java
  cmd_fetch

  local cport="" ports
  require_free_port
  # Reuse the previous controller port on a restart if still free (keeps the config stable).
  if [[ -f "$DIR/controller.port" ]] && port_free "$(cat "$DIR/controller.port")" &&
    [[ "$(cat "$DIR/controller.port")" != "$PORT" ]]; then
    cport="$(cat "$DIR/controller.port")"
  fi
  mapfile -t ports < <(free_ports 3)
  for p in "${ports[@]}"; do
    [[ "$p" == "$PORT" || "$p" == "$cport" ]] && continue
    if [[ -z "$PORT" ]]; then PORT="$p"; elif [[ -z "$cport" ]]; then cport="$p"; fi
  done
  [[ -n "$PORT" && -n "$cport" ]] || die "could not find free ports"

  write_config "$PORT" "$cport"
  local java
  java="$(java_bin)"
  local -a cp_opts=(-cp "$LIBS/*" "-Dlog4j2.configurationFile=$DIR/log4j2.properties" -Dkafka.logs.dir="$DIR/logs")

  if [[ ! -f "$DIR/data/meta.properties" ]]; then
    local cid
    cid="$(random_cluster_id)"
    log "formatting KRaft storage in $DIR/data (cluster id $cid)"
    if ! "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${cp_opts[@]}" \
      kafka.tools.StorageTool format --cluster-id "$cid" --config "$DIR/server.properties" \
      >"$DIR/format.out" 2>&1; then
      cat "$DIR/format.out" >&2
      die "kafka-storage format failed"
    fi
  fi

  echo "$PORT" >"$DIR/port"
  echo "$cport" >"$DIR/controller.port"
  local heap="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
  local jvm="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
  # Detached: own session, no inherited stdin/stdout, so callers capturing our stdout don't hang.
  # shellcheck disable=SC2086
  $(command -v setsid || echo nohup) "$java" $heap $jvm "${cp_opts[@]}" kafka.Kafka "$DIR/server.properties" \
    </dev/null >"$DIR/kafka.out" 2>&1 &
  pid=$!
  log "started pid $pid, PLAINTEXT 127.0.0.1:$PORT, CONTROLLER 127.0.0.1:$cport; waiting for readiness"
  await_started "$pid"
}


cmd_status() {
  parse_args "$@"
  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    ready_line "$(cat "$DIR/port")"
  else
    log "not running"
    return 1
  fi
}

cmd="${1:-}"
(($#)) && shift
case "$cmd" in
  fetch) cmd_fetch ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop TERM "$@" ;;
  kill) cmd_stop KILL "$@" ;;
  status) cmd_status "$@" ;;
  ""|-h|--help|help) usage ;;
  *) die "unknown command: $cmd (fetch|start|stop|kill|status)" ;;
esac
