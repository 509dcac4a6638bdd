# shellcheck shell=bash
# Shared helpers for the test/infra/<service>.sh scripts (sourced, not executed).
#
# A service script sets these variables and defines these functions, then calls
# `infra_main "$@"`:
#
#   SVC                service name, e.g. "kafka" (run dir name, log prefix)
#   SVC_PORTS          the ports it binds on 127.0.0.1, the client port first;
#                      start fails fast when one is taken by a process not ours
#   SVC_MATCH          a string that must appear in the server's command line, as
#                      must "$RUN_DIR/" (so a recycled pid is never taken for ours)
#   SVC_START_TIMEOUT  seconds to wait for readiness after launch
#
#   svc_install    install or build if needed (cached, idempotent)
#   svc_prepare    write config / create dirs in $RUN_DIR (idempotent; keeps data)
#   svc_launch     start the server with `svc_spawn CMD ARGS...`
#   svc_ready      return 0 when the running service answers (one quick probe)
#   svc_env        print `export VAR=value` lines
#
# Layout: ${HERMES_INFRA_DIR:-/tmp/hermes-infra}/<service>/ holds <service>.pid,
# <service>.log (previous run in <service>.log.1), the config and data;
# ${HERMES_INFRA_DIR}/.<service>.lock serialises the commands that change state.
# Installed and built artifacts live in ${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}.
# shellcheck disable=SC2034  # CACHE_DIR and INFRA_SRC_DIR are used by the service scripts

INFRA_DIR="${HERMES_INFRA_DIR:-/tmp/hermes-infra}"
CACHE_DIR="${HERMES_CACHE_DIR:-${HOME:-/root}/.cache/hermes-go}"
STOP_TIMEOUT="${HERMES_INFRA_STOP_TIMEOUT:-15}"
# absolute paths: they end up in server configs and the env output, and identify our pids
[[ "$INFRA_DIR" == /* ]] || INFRA_DIR="$PWD/$INFRA_DIR"
[[ "$CACHE_DIR" == /* ]] || CACHE_DIR="$PWD/$CACHE_DIR"
INFRA_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[%s] %s\n' "$SVC" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$SVC" "$*" >&2; }
err() { printf '[%s] ERROR: %s\n' "$SVC" "$*" >&2; }
die() {
	err "$@"
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

# alive PID: 0 if PID exists and is not a zombie (dead, not yet reaped).
alive() {
	kill -0 "$1" 2>/dev/null &&
		[[ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" != Z ]]
}

# read_pid: print the pid from the pidfile if that process is alive and ours
# (its command line has $SVC_MATCH and our run dir); otherwise print nothing
# and return 1.
read_pid() {
	local pid cmdline
	[[ -f "$PID_FILE" ]] || return 1
	pid="$(tr -dc '0-9' <"$PID_FILE")"
	[[ -n "$pid" ]] && alive "$pid" || return 1
	if [[ -r "/proc/$pid/cmdline" ]]; then
		cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
		[[ "$cmdline" == *"$RUN_DIR/"* && "$cmdline" == *"$SVC_MATCH"* ]] || return 1
	fi
	printf '%s' "$pid"
}

# take_lock: serialise the commands that change state across concurrent callers.
# fd 9 holds the lock; svc_spawn closes it for the server.
take_lock() {
	mkdir -p "$RUN_DIR"
	exec 9>"$LOCK_FILE"
	flock -w 600 9 || die "could not take lock $LOCK_FILE within 600 s"
}

show_log_tail() {
	if [[ -f "$LOG_FILE" ]]; then
		printf '[%s] ---- last 50 lines of %s ----\n' "$SVC" "$LOG_FILE" >&2
		tail -n 50 "$LOG_FILE" >&2 || true
		printf '[%s] ---- end of log ----\n' "$SVC" >&2
	fi
}

# svc_spawn CMD ARGS...: run the server in the background in its own session,
# output to $LOG_FILE (the previous one kept as .log.1), pid to $PID_FILE and
# SPAWNED_PID. The lock fd is closed so the server does not hold the lock.
svc_spawn() {
	if [[ -s "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
	setsid "$@" </dev/null >"$LOG_FILE" 2>&1 9>&- &
	SPAWNED_PID=$!
	echo "$SPAWNED_PID" >"$PID_FILE"
	echo "$SVC_PORTS" >"$PORTS_FILE"
}

# wait_ready PID T0: poll svc_ready until ready, PID's death or
# SVC_START_TIMEOUT. (Liveness only: right after the fork PID's command line
# is still bash's.)
wait_ready() {
	local pid="$1" t0="$2" rc
	local deadline=$((SECONDS + SVC_START_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! alive "$pid"; then
			rc=0
			wait "$pid" 2>/dev/null || rc=$? # the exit code, when it is our child
			err "process $pid exited during startup (exit code $rc)"
			return 1
		fi
		if svc_ready; then
			log "ready on 127.0.0.1:${SVC_PORTS%% *} after $(elapsed "$t0")s (pid $pid)"
			return 0
		fi
		sleep 0.1
	done
	err "not ready after ${SVC_START_TIMEOUT}s"
	return 1
}

# wait_gone PID SECONDS: 0 once PID has exited (within SECONDS).
wait_gone() {
	local deadline=$((SECONDS + $2))
	while alive "$1" && ((SECONDS < deadline)); do sleep 0.1; done
	! alive "$1"
}

do_stop() {
	local pid t0
	if ! pid="$(read_pid)"; then
		log "not running"
		rm -f "$PID_FILE"
		return 0
	fi
	t0="$(now)"
	log "stopping pid $pid (SIGTERM)"
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
		warn "pid $pid still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
	fi
	rm -f "$PID_FILE"
	log "pid $pid stopped in $(elapsed "$t0")s"
}

do_start() {
	local pid t0 t1 p
	t0="$(now)"
	if pid="$(read_pid)"; then
		if svc_ready; then
			log "already running (pid $pid) and ready on 127.0.0.1:${SVC_PORTS%% *}"
			return 0
		fi
		# A server started with other ports (other HERMES_*_PORT values, or
		# the defaults of an older script) never gets ready on these.
		if [[ -f "$PORTS_FILE" && "$(cat "$PORTS_FILE")" != "$SVC_PORTS" ]]; then
			die "pid $pid runs on ports $(cat "$PORTS_FILE"), not $SVC_PORTS: stop it first ($0 stop; the pid file is the same whatever the ports)"
		fi
		if [[ ! -f "$PORTS_FILE" ]]; then
			warn "pid $pid was started by an older script that did not record its ports; if they were other than $SVC_PORTS (the defaults moved below the ephemeral range), stop it first: $0 stop"
		fi
		log "process $pid exists but is not ready; waiting up to ${SVC_START_TIMEOUT}s"
		wait_ready "$pid" "$t0" && return 0
		show_log_tail
		die "already-running pid $pid never became ready (try: $0 restart)"
	fi
	rm -f "$PID_FILE"
	for p in $SVC_PORTS; do
		if port_open "$p"; then
			die "port 127.0.0.1:$p is already in use by another process (not ours: no live pid in $PID_FILE)"
		fi
	done
	svc_install
	svc_prepare
	log "install and prepare done in $(elapsed "$t0")s"
	t1="$(now)"
	svc_launch
	log "started pid $SPAWNED_PID, log $LOG_FILE; waiting for readiness (timeout ${SVC_START_TIMEOUT}s)"
	if ! wait_ready "$SPAWNED_PID" "$t1"; then
		show_log_tail
		do_stop >&2 || true
		die "did not become ready (whole start took $(elapsed "$t0")s)"
	fi
}

do_status() {
	local pid
	if ! pid="$(read_pid)"; then
		log "not running"
		return 3
	fi
	if svc_ready; then
		log "running (pid $pid) and ready on 127.0.0.1:${SVC_PORTS%% *}"
		return 0
	fi
	log "running (pid $pid) but NOT ready"
	return 1
}

usage() {
	cat >&2 <<EOF
usage: $0 start|stop|restart|status|env|wipe|install|logs
  start    install (cached) if needed, start on 127.0.0.1 ($SVC_PORTS), wait until ready (idempotent)
  stop     stop by pid (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s)
  restart  stop then start (keeps data)
  status   exit 0 if running and ready (3: not running, 1: running but not ready)
  env      print the export line(s) for tests
  wipe     stop and delete $RUN_DIR (fresh data next start)
  install  only install or build (cached)
  logs     print the last 50 lines of the log
EOF
}

infra_main() {
	RUN_DIR="$INFRA_DIR/$SVC"
	PID_FILE="$RUN_DIR/$SVC.pid"
	LOG_FILE="$RUN_DIR/$SVC.log"
	LOCK_FILE="$INFRA_DIR/.$SVC.lock"
	PORTS_FILE="$RUN_DIR/$SVC.ports"
	case "${1:-}" in
	start)
		take_lock
		do_start
		;;
	stop)
		take_lock
		do_stop
		;;
	restart)
		take_lock
		do_stop
		do_start
		;;
	status) do_status ;;
	env) svc_env ;;
	wipe)
		take_lock
		do_stop
		log "deleting $RUN_DIR"
		rm -rf "$RUN_DIR"
		;;
	install)
		take_lock
		svc_install
		;;
	logs) tail -n 50 "$LOG_FILE" 2>/dev/null || log "no log at $LOG_FILE" ;;
	-h | --help | help) usage ;;
	*)
		usage
		return 2
		;;
	esac
}
