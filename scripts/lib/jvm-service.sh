# Shared by scripts/kafka/kafka.sh and scripts/elasticsearch/elasticsearch.sh, on top of
# service.sh (sourced here): the Maven fetch into a cache, the pid file, a start that finds the
# service already running, waiting for a fresh start to be ready, and stop. Source it after
# setting (service.sh defines `log`, `die` and `usage`; `pid_alive PID` is defined here):
#   SERVICE        what the messages call the process: broker, node
#   PID_NAME       the pid file's name in DIR: kafka.pid, es.pid
#   START_TIMEOUT  seconds a start waits for readiness; STOP_TIMEOUT: after SIGTERM before SIGKILL
#   NOT_READY      how a start that timed out reads: "not ready", "not healthy"
#   READY_PREFIX   the one stdout line before the port: KAFKA_BROKERS=127.0.0.1:
#   LOG_FILES      the service's logs, relative to DIR, whose last LOG_LINES lines a failed start shows
# and defined: wait_ready PORT PID TIMEOUT (0 ready, 1 timeout, 2 process gone), and pid_command
# (what the command line of the service's own process contains, read after DIR is set).
# shellcheck shell=bash

# shellcheck source=service.sh
source "$(dirname "${BASH_SOURCE[0]}")/service.sh"

maven_fetch() { # maven_fetch WHAT LOG OUTDIR [-Dname=value...]: the runtime jars of $SCRIPT_DIR/pom.xml into OUTDIR
  local what="$1" mvnlog="$2" out="$3" status=0
  shift 3
  # Maven output is kept only for failures (Debian's mvn 3.8 prints stray ANSI resets even with
  # -q); meanwhile a line on stderr every 5 s says it is still at it, so a first fetch does not
  # look hung. On failure: the log's last lines on stderr, and status 1.
  start_ticker "fetching $what with maven"
  mvn -B -q -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" "$@" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out" \
    </dev/null >"$mvnlog" 2>&1 || status=$?
  stop_ticker
  if ((status != 0)); then
    sed 's/\x1b\[[0-9;]*m//g' "$mvnlog" | tail -n 40 >&2
    return 1
  fi
}

swap_in() { # swap_in TMP DEST: replace DEST by TMP atomically, so a concurrent start never sees a half-filled directory
  local tmp="$1" dest="$2"
  rm -rf "$dest.old.$$"
  [[ -d "$dest" ]] && mv "$dest" "$dest.old.$$"
  mv "$tmp" "$dest"
  rm -rf "$dest.old.$$"
}

pid_alive() { # pid_alive PID -> is it our service (its command line contains $(pid_command))?
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(pid_command)"
}

ready_line() { echo "${READY_PREFIX}$1"; } # ready_line PORT: the one stdout line of a started service

log_tail() { # log_tail: the last LOG_LINES lines of each of LOG_FILES on stderr
  local f
  for f in $LOG_FILES; do
    [[ -s "$DIR/$f" ]] || continue
    log "---- last lines of $DIR/$f ----"
    tail -n "$LOG_LINES" "$DIR/$f" >&2
  done
}

require_free_port() { # require_free_port: exit when the --port asked for is taken
  [[ -z "$PORT" ]] || port_free "$PORT" || die "port $PORT on 127.0.0.1 is already in use"
}

read_pid() { if [[ -f "$DIR/$PID_NAME" ]]; then cat "$DIR/$PID_NAME"; fi; }

cmd_stop() { # cmd_stop TERM|KILL --dir DIR
  local sig="$1"
  shift
  parse_args "$@"
  stop_service "$DIR/$PID_NAME" "$sig" "$STOP_TIMEOUT"
}

report_running() { # report_running: the service already runs in DIR -> wait until ready, print its line, status 0; else status 1
  local pid running_port
  pid="$(read_pid)"
  if ! pid_alive "$pid"; then
    rm -f "$DIR/$PID_NAME"
    return 1
  fi
  running_port="$(cat "$DIR/port" 2>/dev/null || true)"
  [[ -z "$PORT" || "$PORT" == "$running_port" ]] ||
    die "a $SERVICE is already running in $DIR (pid $pid) on port $running_port"
  log "already running (pid $pid)"
  wait_ready "$running_port" "$pid" "$START_TIMEOUT" || die "running $SERVICE is not healthy"
  ready_line "$running_port"
}

await_started() { # await_started PID: wait until the process just started on $PORT is ready, print its line; else exit 1
  local pid="$1" rc=0 t0=$SECONDS
  echo "$pid" >"$DIR/$PID_NAME"
  wait_ready "$PORT" "$pid" "$START_TIMEOUT" || rc=$?
  if ((rc != 0)); then
    if ((rc == 2)); then
      log "$SERVICE process exited during startup"
    else
      log "$SERVICE $NOT_READY within $START_TIMEOUT s"
    fi
    log_tail
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$DIR/$PID_NAME"
    exit 1
  fi
  log "ready in $((SECONDS - t0)) s"
  ready_line "$PORT"
}
