# shellcheck shell=bash
# Shared helpers for test/infra/carbon.sh, ferretdb.sh and opensearch.sh (sourced, not executed).
#
# A service script defines:
#   SVC              service name (run dir name, log prefix)
#   SVC_MATCH        a string that must appear in /proc/<pid>/cmdline of the server process, as must
#                    "$RUN_DIR/" (guards against a recycled pid after a reboot or a kill -9)
#   SVC_PORTS        ports (on 127.0.0.1) the server binds; start fails fast if one is taken by someone else
#   SVC_READY_TIMEOUT seconds to wait for readiness
#   svc_install      install/build if needed (cached)
#   svc_prepare      write config / create dirs in $RUN_DIR
#   svc_launch       start the server in the background via svc_spawn
#   svc_ready        exit 0 when the server answers (one quick probe, no waiting)
#   svc_env          print export lines
# and then calls: svc_main "$@"
#
# Layout (same conventions as lib.sh, used by kafka.sh/zookeeper.sh):
#   ${HERMES_INFRA_DIR:-/tmp/hermes-infra}/<service>/  <service>.pid, <service>.log (previous run:
#                                                       <service>.log.1), config, data
#   ${HERMES_INFRA_DIR:-/tmp/hermes-infra}/.<service>.lock   start/stop/wipe lock (flock)
#   ${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}/...      installed/built artifacts
# shellcheck disable=SC2034  # CACHE_DIR/INFRA_SRC_DIR are used by the service scripts

INFRA_DIR="${HERMES_INFRA_DIR:-/tmp/hermes-infra}"
CACHE_DIR="${HERMES_CACHE_DIR:-${HOME:-/root}/.cache/hermes-go}"
# absolute paths: they end up in server configs and in the env output
[[ "$INFRA_DIR" == /* ]] || INFRA_DIR="$PWD/$INFRA_DIR"
[[ "$CACHE_DIR" == /* ]] || CACHE_DIR="$PWD/$CACHE_DIR"
INFRA_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

svc_setup_paths() {
  RUN_DIR="$INFRA_DIR/$SVC"
  PID_FILE="$RUN_DIR/$SVC.pid"
  LOG_FILE="$RUN_DIR/$SVC.log"
  LOCK_FILE="$INFRA_DIR/.$SVC.lock"
}

svc_log() { printf '[%s] %s\n' "$SVC" "$*"; }
svc_err() { printf '[%s] ERROR: %s\n' "$SVC" "$*" >&2; }

# seconds since $1 (an $EPOCHREALTIME value), e.g. "2.31"
svc_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

svc_pid() {
  if [[ -s "$PID_FILE" ]]; then
    cat "$PID_FILE" 2>/dev/null || true
  fi
}

# 0 if the pid in the pidfile is alive and is really our server
svc_alive() {
  local pid
  pid="$(svc_pid)"
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  # zombies (not yet reaped) count as dead
  [[ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" != Z ]] || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$SVC_MATCH"* && "$cmdline" == *"$RUN_DIR/"* ]]
}

# 0 if something accepts TCP connections on 127.0.0.1:$1
svc_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

svc_print_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    echo "----- last 50 lines of $LOG_FILE -----" >&2
    tail -n 50 "$LOG_FILE" >&2
    echo "----- end of log -----" >&2
  fi
}

# svc_spawn CMD ARGS... : start in the background, output to $LOG_FILE, pid to $PID_FILE.
# fd 9 (the start/stop lock) is closed for the child so the server does not keep the lock.
svc_spawn() {
  if [[ -s "$LOG_FILE" ]]; then
    mv -f "$LOG_FILE" "$LOG_FILE.1"
  fi
  "$@" </dev/null >"$LOG_FILE" 2>&1 9>&- &
  echo $! >"$PID_FILE"
}

# wait until svc_ready succeeds; fails if the process dies or the timeout passes
svc_wait_ready() {
  local timeout="$1" t0="$EPOCHREALTIME"
  while :; do
    if ! svc_alive; then
      svc_err "process $(svc_pid) exited during startup"
      return 1
    fi
    if svc_ready; then
      return 0
    fi
    if awk -v a="$t0" -v b="$EPOCHREALTIME" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
      svc_err "not ready after ${timeout}s"
      return 1
    fi
    sleep 0.1
  done
}

svc_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$LOCK_FILE"
  if ! flock -w 600 9; then
    svc_err "could not get lock $LOCK_FILE"
    exit 1
  fi
}

svc_do_stop() {
  local pid t0="$EPOCHREALTIME" i
  pid="$(svc_pid)"
  if [[ -z "$pid" ]]; then
    svc_log "not running (no pidfile)"
    return 0
  fi
  if ! svc_alive; then
    svc_log "not running (stale pidfile, pid $pid)"
    rm -f "$PID_FILE"
    return 0
  fi
  svc_log "stopping pid $pid (SIGTERM)"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    svc_alive || break
    sleep 0.1
  done
  if svc_alive; then
    svc_log "still running after 15s, sending SIGKILL to pid $pid"
    kill -9 "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      svc_alive || break
      sleep 0.1
    done
  fi
  if svc_alive; then
    svc_err "pid $pid did not exit"
    return 1
  fi
  rm -f "$PID_FILE"
  svc_log "stopped in $(svc_since "$t0")s"
}

svc_do_start() {
  local t0="$EPOCHREALTIME" p
  if svc_alive; then
    if svc_ready; then
      svc_log "already running (pid $(svc_pid)) and ready"
      return 0
    fi
    svc_log "running (pid $(svc_pid)) but not ready yet, waiting up to ${SVC_READY_TIMEOUT}s"
    if svc_wait_ready "$SVC_READY_TIMEOUT"; then
      svc_log "ready (pid $(svc_pid))"
      return 0
    fi
    svc_print_log_tail
    return 1
  fi
  rm -f "$PID_FILE"
  for p in $SVC_PORTS; do
    if svc_port_open "$p"; then
      svc_err "port 127.0.0.1:$p is already in use by another process (not ours: no live pid in $PID_FILE)"
      return 1
    fi
  done
  svc_install
  svc_prepare
  local t1="$EPOCHREALTIME"
  svc_launch
  svc_log "started pid $(svc_pid), log $LOG_FILE; waiting for readiness (timeout ${SVC_READY_TIMEOUT}s)"
  if ! svc_wait_ready "$SVC_READY_TIMEOUT"; then
    svc_print_log_tail
    svc_do_stop >&2 || true
    return 1
  fi
  svc_log "ready in $(svc_since "$t1")s after launch ($(svc_since "$t0")s for the whole start)"
}

svc_do_status() {
  if svc_alive; then
    if svc_ready; then
      svc_log "running (pid $(svc_pid)) and ready"
      return 0
    fi
    svc_log "running (pid $(svc_pid)) but NOT ready"
    return 1
  fi
  svc_log "not running"
  return 3
}

svc_main() {
  svc_setup_paths
  local cmd="${1:-}"
  case "$cmd" in
    start) svc_lock; svc_do_start ;;
    stop) svc_lock; svc_do_stop ;;
    restart) svc_lock; svc_do_stop; svc_do_start ;;
    status) svc_do_status ;;
    env) svc_env ;;
    install) svc_lock; svc_install ;;
    logs) tail -n 50 "$LOG_FILE" 2>/dev/null || svc_log "no log at $LOG_FILE" ;;
    wipe)
      svc_lock
      svc_do_stop
      svc_log "deleting $RUN_DIR"
      rm -rf "$RUN_DIR"
      ;;
    *)
      echo "usage: $0 {start|stop|restart|status|env|wipe|install|logs}" >&2
      return 2
      ;;
  esac
}
