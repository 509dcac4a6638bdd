# shellcheck shell=bash
# Shared helpers for the test/infra/<service>.sh scripts.
#
# A service script sets these variables and defines these functions, then calls
# `infra_main "$@"`:
#
#   SVC            service name, e.g. "kafka" (used for the run dir and the log prefix)
#   SVC_PORT       the client port on 127.0.0.1 (checked for conflicts before start)
#   SVC_START_TIMEOUT  seconds to wait for readiness after launch
#
#   svc_install    install binaries if needed (cached, idempotent)
#   svc_prepare    write config / format data in $RUN_DIR (idempotent; keeps data)
#   svc_launch     `exec setsid <server> ...` in the foreground; it is called as
#                  `svc_launch >"$LOG_FILE" 2>&1 &` so $! is the server pid (exec,
#                  and setsid does not fork here). Its argv must contain
#                  "$RUN_DIR/" so the pid can be recognised as ours.
#   svc_ready      return 0 when the running service is ready to serve
#   svc_env        print `export VAR=value` lines
#
# Layout: ${HERMES_INFRA_DIR:-/tmp/hermes-infra}/<service>/ holds <service>.pid,
# <service>.log (previous run in <service>.log.1), the config and data/.
# Binary caches live in ${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}.

INFRA_DIR="${HERMES_INFRA_DIR:-/tmp/hermes-infra}"
CACHE_DIR="${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}"
STOP_TIMEOUT="${HERMES_INFRA_STOP_TIMEOUT:-15}"
# absolute paths: they end up in server configs and identify our pids
[[ "$INFRA_DIR" == /* ]] || INFRA_DIR="$PWD/$INFRA_DIR"
[[ "$CACHE_DIR" == /* ]] || CACHE_DIR="$PWD/$CACHE_DIR"

infra_init() {
	RUN_DIR="$INFRA_DIR/$SVC"
	PID_FILE="$RUN_DIR/$SVC.pid"
	LOG_FILE="$RUN_DIR/$SVC.log"
	LOCK_FILE="$INFRA_DIR/.$SVC.lock"
}

log() { printf '[%s] %s\n' "$SVC" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$SVC" "$*" >&2; }
die() {
	printf '[%s] ERROR: %s\n' "$SVC" "$*" >&2
	exit 1
}

# now: seconds since epoch with microseconds (bash 5 $EPOCHREALTIME).
now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
# elapsed START: seconds since START (from `now`), two decimals.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }

# port_open PORT [HOST]: 0 if something accepts TCP connections there.
port_open() {
	local port="$1" host="${2:-127.0.0.1}"
	timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

# tcp_cmd PORT WORD: send WORD, print the reply (used for ZooKeeper 4lw).
tcp_cmd() {
	local port="$1" word="$2"
	timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf '%s' '$word' >&3 && cat <&3" 2>/dev/null || true
}

# read_pid: print the pid from the pidfile if that process is alive and is ours
# (its command line mentions our run dir); otherwise print nothing, return 1.
read_pid() {
	local pid
	[[ -f "$PID_FILE" ]] || return 1
	pid="$(tr -dc '0-9' <"$PID_FILE")"
	[[ -n "$pid" ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$RUN_DIR/"; then
		return 1 # pid reused by an unrelated process
	fi
	printf '%s' "$pid"
}

is_running() { read_pid >/dev/null; }

# Serialise start/stop/wipe of one service across concurrent callers. The lock
# fd is closed for the server process itself (see do_start).
take_lock() {
	mkdir -p "$INFRA_DIR"
	exec 9>"$LOCK_FILE"
	if ! flock -w 180 9; then
		die "could not take lock $LOCK_FILE within 180 s"
	fi
}

show_log_tail() {
	if [[ -f "$LOG_FILE" ]]; then
		printf '[%s] ---- last 50 lines of %s ----\n' "$SVC" "$LOG_FILE" >&2
		tail -n 50 "$LOG_FILE" >&2 || true
		printf '[%s] ---- end of log ----\n' "$SVC" >&2
	fi
}

do_status() {
	local pid
	if ! pid="$(read_pid)"; then
		log "not running"
		return 1
	fi
	if svc_ready; then
		log "running (pid $pid) and ready on 127.0.0.1:$SVC_PORT"
		return 0
	fi
	log "running (pid $pid) but NOT ready"
	return 1
}

do_start() {
	local pid t0 t1
	take_lock
	if pid="$(read_pid)"; then
		if svc_ready; then
			log "already running (pid $pid) and ready on 127.0.0.1:$SVC_PORT"
			return 0
		fi
		log "process $pid exists but is not ready; waiting up to ${SVC_START_TIMEOUT}s"
		wait_ready "$pid" "$(now)" && return 0
		die "already-running pid $pid never became ready (try: $0 restart)"
	fi
	rm -f "$PID_FILE"

	t0="$(now)"
	svc_install
	log "install/cache check done in $(elapsed "$t0")s"

	if port_open "$SVC_PORT"; then
		die "port 127.0.0.1:$SVC_PORT is already in use by another process (not ours: no live pid in $PID_FILE)"
	fi

	mkdir -p "$RUN_DIR"
	t1="$(now)"
	svc_prepare
	log "prepared $RUN_DIR in $(elapsed "$t1")s"

	if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
	t1="$(now)"
	log "starting (log: $LOG_FILE)"
	# Background the server directly (no `cd && cmd &`), with the lock fd closed
	# so the server does not hold our flock.
	svc_launch 9>&- </dev/null >"$LOG_FILE" 2>&1 &
	pid=$!
	echo "$pid" >"$PID_FILE"
	log "started pid $pid; waiting for readiness (timeout ${SVC_START_TIMEOUT}s)"
	wait_ready "$pid" "$t1" || {
		show_log_tail
		log "stopping the failed process $pid"
		stop_pid "$pid" || true
		rm -f "$PID_FILE"
		die "did not become ready within ${SVC_START_TIMEOUT}s"
	}
}

# wait_ready PID T0: poll svc_ready until ready, process death or timeout.
wait_ready() {
	local pid="$1" t0="$2"
	local deadline=$((SECONDS + SVC_START_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			local rc=0
			wait "$pid" 2>/dev/null || rc=$?
			show_log_tail
			rm -f "$PID_FILE"
			die "process $pid exited during startup (exit code $rc)"
		fi
		if svc_ready; then
			log "ready on 127.0.0.1:$SVC_PORT after $(elapsed "$t0")s (pid $pid)"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# stop_pid PID: SIGTERM, wait up to STOP_TIMEOUT s, then SIGKILL and wait.
stop_pid() {
	local pid="$1" t0 deadline
	t0="$(now)"
	kill -TERM "$pid" 2>/dev/null || return 0
	deadline=$((SECONDS + STOP_TIMEOUT))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "pid $pid still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		deadline=$((SECONDS + 10))
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && die "pid $pid survived SIGKILL"
	fi
	log "pid $pid stopped in $(elapsed "$t0")s"
}

do_stop() {
	local pid
	take_lock
	if ! pid="$(read_pid)"; then
		log "not running"
		rm -f "$PID_FILE"
		return 0
	fi
	log "stopping pid $pid"
	stop_pid "$pid"
	rm -f "$PID_FILE"
}

do_wipe() {
	do_stop
	log "deleting $RUN_DIR"
	rm -rf "$RUN_DIR"
}

usage() {
	cat >&2 <<EOF
usage: $0 start|stop|restart|status|env|wipe|logs
  start    install (cached) if needed, start on 127.0.0.1:$SVC_PORT, wait until ready (idempotent)
  stop     stop by pid (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s)
  restart  stop then start (keeps data)
  status   exit 0 if running and ready
  env      print the export line(s) for tests
  wipe     stop and delete $RUN_DIR (fresh data next start)
  logs     print the last 50 lines of the log
EOF
}

infra_main() {
	infra_init
	case "${1:-}" in
	start) do_start ;;
	stop) do_stop ;;
	restart)
		do_stop
		exec 9>&-
		do_start
		;;
	status) do_status ;;
	env) svc_env ;;
	wipe) do_wipe ;;
	logs) show_log_tail 2>&1 ;;
	-h | --help | help)
		usage
		return 0
		;;
	*)
		usage
		return 2
		;;
	esac
}
