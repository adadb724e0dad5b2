# Shared by scripts/kafka/kafka.sh and scripts/elasticsearch/elasticsearch.sh (with jvm-service.sh): argument parsing,
# free loopback ports, stopping a service process, and progress lines for long steps; and `log`, `die` and `usage` (the
# script's header comment is its help). Source it after defining `pid_alive PID` (which recognises the script's own process).
# shellcheck shell=bash

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; } # log MESSAGE: one line on stderr, after the script's name
die() { log "error: $*"; exit 1; }

usage() { # usage: the script's header comment (from its second line to its first line of code) on stderr, status 2
  sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

free_ports() { # free_ports N -> N distinct free loopback ports, one per line
  node -e '
    const net = require("net"); const n = +process.argv[1]; const ss = [];
    (function next() {
      if (ss.length === n) { console.log(ss.map(s => s.address().port).join("\n")); ss.forEach(s => s.close()); return; }
      const s = net.createServer(); s.listen(0, "127.0.0.1", () => { ss.push(s); next(); });
    })();' "$1"
}

port_free() { # true if nothing listens on 127.0.0.1:$1
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

parse_args() { # sets DIR (absolute, created) and PORT (may be empty) from --dir/--port
  DIR="" PORT=""
  while (($#)); do
    case "$1" in
      --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
      --dir=*) DIR="${1#*=}"; shift ;;
      --port) PORT="${2:?--port needs a value}"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      -h|--help) usage ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  [[ -n "$DIR" ]] || die "--dir DIR is required"
  [[ -z "$PORT" || "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
}

stop_service() { # stop_service PIDFILE TERM|KILL TIMEOUT_S: signal, wait, then SIGKILL; idempotent
  local pidfile="$1" sig="$2" timeout="$3" pid=""
  [[ -f "$pidfile" ]] && pid="$(cat "$pidfile")"
  if ! pid_alive "$pid"; then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  if [[ "$sig" == TERM ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    pid_alive "$pid" && log "still running after ${timeout} s; sending SIGKILL"
  fi
  if pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && pid_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "stopped pid $pid"
}

TICKER=""
start_ticker() { # start_ticker WHAT: "still WHAT (N s) ..." on stderr every 5 s, until stop_ticker
  stop_ticker
  local what="$1" t0=$SECONDS
  (while sleep 5 </dev/null >/dev/null 2>&1; do log "still $what ($((SECONDS - t0)) s) ..."; done) &
  TICKER=$!
  trap stop_ticker EXIT # a fetch that fails or is interrupted leaves no ticker behind
}

stop_ticker() {
  if [[ -n "$TICKER" ]]; then
    kill "$TICKER" 2>/dev/null || true
    wait "$TICKER" 2>/dev/null || true
    TICKER=""
  fi
}
