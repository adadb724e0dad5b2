#!/usr/bin/env bash
# Run a real single-node Elasticsearch 9.x on 127.0.0.1 for tests and CI, assembled from
# Maven Central artifacts (org.elasticsearch:elasticsearch server jar + the transport-netty4
# module) and started by a tiny launcher (EsNode.java) that does what the official
# bootstrap does after the server CLI. No Docker, no elastic.co download.
#
#   elasticsearch.sh fetch                           resolve jars + compile the launcher into the cache
#   elasticsearch.sh start --dir DIR [--port PORT]   start in the background, wait for yellow health;
#                                                    prints exactly one stdout line:
#                                                    ELASTICSEARCH_URL=http://127.0.0.1:<port>
#   elasticsearch.sh stop  --dir DIR                 SIGTERM, wait up to ES_STOP_TIMEOUT (30 s), then SIGKILL
#   elasticsearch.sh kill  --dir DIR                 SIGKILL now (crash tests)
#   elasticsearch.sh status --dir DIR                exit 0 and print ELASTICSEARCH_URL=... if running+healthy
#
# Environment:
#   RENDEZVOUS_CACHE    cache root (default ~/.cache/rendezvous); jars go to <root>/elasticsearch-<version>/libs
#   ES_JAVA_HOME        JDK to use (needs 21+); default: JAVA_HOME if it is 21+, else the newest
#                       /usr/lib/jvm JDK that is 21+ (e.g. temurin-25-jdk-amd64)
#   ES_HEAP_OPTS        default "-Xms512m -Xmx512m"
#   ES_START_TIMEOUT    seconds to wait for health (default 120)
#   ES_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#
# DIR layout: config/ (generated each start), data/ (kept across restarts), logs/es.log,
# tmp/, es.pid, port. Everything except the ELASTICSEARCH_URL line goes to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ES_VERSION="9.5.3" # keep in sync with <es.version> in pom.xml (EsNode.java targets this API)
ES_HOME="${RENDEZVOUS_CACHE:-$HOME/.cache/rendezvous}/elasticsearch-${ES_VERSION}"
MARKER="$ES_HOME/.complete"

java_major() { # java_major /path/to/java -> feature version number (or empty)
  local ver
  ver="$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')" || true
  ver="${ver%%.*}"
  [[ "$ver" =~ ^[0-9]+$ ]] && printf '%s' "$ver"
}

java_home() { # prints a JDK home with Java 21+ (ES 9 needs it) or dies
  local h m best="" bestm=0
  if [[ -n "${ES_JAVA_HOME:-}" ]]; then
    m="$(java_major "$ES_JAVA_HOME/bin/java")"
    if [[ -z "$m" ]] || ((m < 21)); then die "ES_JAVA_HOME=$ES_JAVA_HOME is not a Java 21+ JDK"; fi
    printf '%s' "$ES_JAVA_HOME"
    return
  fi
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    m="$(java_major "$JAVA_HOME/bin/java")"
    if [[ -n "$m" ]] && ((m >= 21)); then printf '%s' "$JAVA_HOME"; return; fi
  fi
  for h in /usr/lib/jvm/*/; do
    h="${h%/}"
    [[ -x "$h/bin/java" && -x "$h/bin/javac" && ! -L "$h" ]] || continue
    m="$(java_major "$h/bin/java")"
    [[ -n "$m" ]] && ((m >= 21 && m > bestm)) && { best="$h"; bestm="$m"; }
  done
  [[ -n "$best" ]] || die "no Java 21+ JDK found (set ES_JAVA_HOME); Elasticsearch ${ES_VERSION} needs 21+"
  printf '%s' "$best"
}

# Fingerprint of what the cache was built from: a changed pom, launcher or version refetches.
fetch_key() {
  printf '%s\n' "$ES_VERSION"
  cat "$SCRIPT_DIR/pom.xml" "$SCRIPT_DIR/EsNode.java" "$SCRIPT_DIR/RestRootPlugin.java" | sha256sum | cut -d' ' -f1
}

cmd_fetch() {
  if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(fetch_key)" ]]; then
    log "using cached Elasticsearch ${ES_VERSION} in $ES_HOME"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Elasticsearch jars)"
  local jh
  jh="$(java_home)"
  local tmp="$ES_HOME.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "fetching org.elasticsearch:elasticsearch:${ES_VERSION} + transport-netty4 from Maven Central ..."
  local start=$SECONDS
  mkdir -p "$(dirname "$ES_HOME")"
  local mvnlog="$ES_HOME.mvn.log"
  if ! maven_fetch "Elasticsearch ${ES_VERSION}" "$mvnlog" "$tmp/libs" -Des.version="$ES_VERSION"; then
    rm -rf "$tmp"
    die "maven failed to resolve Elasticsearch ${ES_VERSION} (full log: $mvnlog)"
  fi
  log "resolved $(find "$tmp/libs" -name '*.jar' | wc -l) jars in $((SECONDS - start)) s; compiling the launcher and the rest-root plugin (javac) ..."

  [[ -f "$tmp/libs/elasticsearch-${ES_VERSION}.jar" && -f "$tmp/libs/transport-netty4-${ES_VERSION}.jar" ]] ||
    { rm -rf "$tmp"; die "server or transport-netty4 jar missing after maven run"; }

  # ES home layout: libs/ is the server's module path; modules/transport-netty4/ is loaded as a
  # module (own module layer) like in the official distribution, so netty must not be in libs/.
  local mod="$tmp/modules/transport-netty4"
  mkdir -p "$mod" "$tmp/plugins" "$tmp/launcher"
  mv "$tmp/libs/transport-netty4-${ES_VERSION}.jar" "$tmp"/libs/netty-*.jar "$mod/"
  (cd "$mod" && "$jh/bin/jar" xf "transport-netty4-${ES_VERSION}.jar" \
    META-INF/es-plugins/transport-netty4/plugin-descriptor.properties \
    META-INF/es-plugins/transport-netty4/entitlement-policy.yaml &&
    mv META-INF/es-plugins/transport-netty4/* . && rm -rf META-INF)
  [[ -f "$mod/plugin-descriptor.properties" ]] || { rm -rf "$tmp"; die "transport-netty4 descriptor missing"; }

  # GET / and HEAD / (client.info(), client.ping()): the rest-root module is not on Maven Central,
  # so a small classic plugin (RestRootPlugin.java) provides those two routes.
  local root="$tmp/modules/rest-root"
  mkdir -p "$root" "$tmp/build/rest-root"
  start_ticker "compiling the launcher"
  if ! "$jh/bin/javac" -nowarn -d "$tmp/launcher" -cp "$tmp/libs/*" "$SCRIPT_DIR/EsNode.java" >&2 ||
    ! "$jh/bin/javac" -nowarn -d "$tmp/build/rest-root" -cp "$tmp/libs/*" "$SCRIPT_DIR/RestRootPlugin.java" >&2; then
    stop_ticker
    rm -rf "$tmp"
    die "compiling the launcher failed"
  fi
  stop_ticker
  "$jh/bin/jar" cf "$root/rendezvous-rest-root.jar" -C "$tmp/build/rest-root" .
  rm -rf "$tmp/build"
  cat >"$root/plugin-descriptor.properties" <<EOF
description=GET / and HEAD / for the Rendezvous test node (stands in for the rest-root module)
version=${ES_VERSION}
name=rest-root
classname=rendezvous.es.RestRootPlugin
java.version=21
elasticsearch.version=${ES_VERSION}
EOF
  fetch_key >"$tmp/.complete"
  swap_in "$tmp" "$ES_HOME"
  log "fetched $(find "$ES_HOME" -name '*.jar' | wc -l) jars in $((SECONDS - start)) s"
}



pid_command() { echo ' EsNode '; } # what the command line of our node contains

SERVICE=node PID_NAME=es.pid NOT_READY="not healthy" READY_PREFIX="ELASTICSEARCH_URL=http://127.0.0.1:"
LOG_FILES="logs/es.log" LOG_LINES=60
START_TIMEOUT="${ES_START_TIMEOUT:-120}" STOP_TIMEOUT="${ES_STOP_TIMEOUT:-30}"
# shellcheck source-path=SCRIPTDIR source=../lib/jvm-service.sh
source "$SCRIPT_DIR/../lib/jvm-service.sh"

health_ok() { # health_ok PORT WAIT -> 0 when cluster health reaches yellow within WAIT
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time $(($2 + 5)) \
    "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=${2}s" 2>/dev/null)" || true
  [[ "$code" == 200 ]]
}

# Exit: 0 ready, 1 timeout, 2 process gone.
wait_ready() {
  local port="$1" pid="$2" timeout="$3" deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 2
    health_ok "$port" 5 && return 0
    sleep 0.5
  done
  return 1
}

write_config() {
  local port="$1" tport="$2"
  mkdir -p "$DIR/config" "$DIR/data" "$DIR/logs" "$DIR/tmp"
  cat >"$DIR/config/elasticsearch.yml" <<EOF
# Generated by scripts/elasticsearch/elasticsearch.sh (rewritten on every start).
# Single-node, loopback-only test node.
cluster.name: rendezvous-test
node.name: node-1
path.data: ${DIR}/data
path.logs: ${DIR}/logs
network.host: 127.0.0.1
http.host: 127.0.0.1
transport.host: 127.0.0.1
http.port: ${port}
transport.port: ${tport}
discovery.type: single-node
# The disk may be fairly full on dev/CI machines: never block writes or shard allocation on it.
cluster.routing.allocation.disk.threshold_enabled: false
# No x-pack in this build (no security realm, no ML, no watcher), so no xpack.* settings:
# they would be rejected as unknown. The node is therefore plain HTTP without auth,
# bound to 127.0.0.1 only.
EOF
  cat >"$DIR/config/log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
EOF
}

# The official distribution ships libzstd (used by the zstd stored-fields codec, e.g.
# index.codec=best_compression) and libvec in lib/platform/<os>-<arch>/; neither is on Maven
# Central. Use the system libzstd (Debian: libzstd1) and turn off the optional native vector
# library, so native access (zstd, libc) works; vector scoring uses its pure-Java path.
link_native_libs() {
  local zstd
  mkdir -p "$DIR/native"
  zstd="$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true) | awk '$1 == "libzstd.so.1" {print $NF; exit}')"
  if [[ -n "$zstd" && -e "$zstd" ]]; then
    ln -sfn "$zstd" "$DIR/native/libzstd.so"
  else
    log "warning: no system libzstd.so.1 (apt-get install libzstd1); native access will be disabled and index.codec=best_compression will fail"
  fi
}


cmd_start() {
  parse_args "$@"
  report_running && return 0
  local pid

  command -v curl >/dev/null || die "curl not found"
  local jh
  jh="$(java_home)"
  cmd_fetch

  local tport="" ports p
  require_free_port
  mapfile -t ports < <(free_ports 3)
  for p in "${ports[@]}"; do
    [[ "$p" == "$PORT" ]] && continue
    if [[ -z "$PORT" ]]; then PORT="$p"; elif [[ -z "$tport" ]]; then tport="$p"; fi
  done
  [[ -n "$PORT" && -n "$tport" ]] || die "could not find free ports"

  write_config "$PORT" "$tport"
  echo "$PORT" >"$DIR/port"
  link_native_libs
  local heap="${ES_HEAP_OPTS:--Xms512m -Xmx512m}"
  # The JVM options the official server CLI passes (SystemJvmOptions + default jvm.options),
  # minus the entitlement agent; native libraries: see link_native_libs.
  # shellcheck disable=SC2054 # the commas in --enable-native-access are part of one argument
  local -a jvm=(
    -XX:+UseG1GC -Xss1m -XX:-OmitStackTraceInFastThrow -XX:+ExitOnOutOfMemoryError
    "-XX:ErrorFile=$DIR/logs/hs_err_pid%p.log"
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.locale.providers=CLDR -Djna.nosys=true
    -Des.networkaddress.cache.ttl=60 -Des.networkaddress.cache.negative.ttl=10
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
    -Des.distribution.type=tar "-Djava.io.tmpdir=$DIR/tmp" "-Des.nativelibs.path=$DIR/native" \
    -Dorg.elasticsearch.nativeaccess.enableVectorLibrary=false
    --enable-native-access=org.elasticsearch.nativeaccess,org.elasticsearch.foreign,org.apache.lucene.core
    --add-modules=jdk.incubator.vector
    --module-path "$ES_HOME/libs" --add-modules=ALL-MODULE-PATH -cp "$ES_HOME/launcher"
  )
  # Detached: own session, no inherited stdin/stdout, so callers capturing our stdout don't hang.
  # shellcheck disable=SC2086
  (cd "$DIR" && exec setsid "$jh/bin/java" $heap "${jvm[@]}" EsNode "$ES_HOME" "$DIR/config" \
    </dev/null >>"$DIR/logs/es.log" 2>&1) &
  pid=$!
  log "started pid $pid (Elasticsearch ${ES_VERSION}, $(basename "$jh")), http 127.0.0.1:$PORT, transport 127.0.0.1:$tport; waiting for yellow health"
  await_started "$pid"
}


cmd_status() {
  parse_args "$@"
  local pid port
  pid="$(read_pid)"
  pid_alive "$pid" || { log "not running"; exit 1; }
  port="$(cat "$DIR/port" 2>/dev/null || true)"
  health_ok "$port" 1 || { log "pid $pid alive but not healthy"; exit 1; }
  echo "ELASTICSEARCH_URL=http://127.0.0.1:${port}"
}

case "${1:-}" in
  fetch) shift; cmd_fetch "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop TERM "$@" ;;
  kill) shift; cmd_stop KILL "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) usage ;;
esac
