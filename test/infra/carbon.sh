#!/usr/bin/env bash
# Graphite carbon-cache (Debian graphite-carbon 1.1.7) on 127.0.0.1 for tests.
#   test/infra/carbon.sh {start|stop|restart|status|env|wipe|install|logs}
# Ports: line receiver ${HERMES_CARBON_PORT:-12003}, pickle ${HERMES_CARBON_PICKLE_PORT:-12004},
#        cache query ${HERMES_CARBON_QUERY_PORT:-12002}.
# Whisper files: $RUN_DIR/storage/whisper/<a>/<b>/<c>.wsp (retentions 1s:1h,1m:1d, xFilesFactor 0).
set -euo pipefail

SVC=carbon
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARBON_PORT="${HERMES_CARBON_PORT:-12003}"
CARBON_PICKLE_PORT="${HERMES_CARBON_PICKLE_PORT:-12004}"
CARBON_QUERY_PORT="${HERMES_CARBON_QUERY_PORT:-12002}"
# Debian entry point: it has #!/usr/bin/python3. A pyenv python3 may come first on PATH and cannot
# import Debian's python modules (twisted, carbon), so never run it through "python3".
CARBON_BIN=/usr/bin/carbon-cache
SVC_MATCH="carbon-cache"
SVC_PORTS="$CARBON_PORT $CARBON_PICKLE_PORT $CARBON_QUERY_PORT"
SVC_START_TIMEOUT="${HERMES_CARBON_TIMEOUT:-30}"

svc_install() {
  if [[ -x "$CARBON_BIN" && -x /usr/bin/whisper-info ]]; then
    return 0
  fi
  local t0
  t0="$(now)"
  log "installing graphite-carbon python3-whisper via apt"
  if [[ "$(id -u)" != 0 ]]; then
    err "$CARBON_BIN missing and not root; run: apt-get install -y graphite-carbon python3-whisper"
    return 1
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphite-carbon python3-whisper >"$RUN_DIR/apt.log" 2>&1; then
    log "apt-get install failed, running apt-get update first"
    apt-get update -q >>"$RUN_DIR/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphite-carbon python3-whisper >>"$RUN_DIR/apt.log" 2>&1 || {
      tail -n 30 "$RUN_DIR/apt.log" >&2
      return 1
    }
  fi
  log "installed in $(elapsed "$t0")s"
}

svc_prepare() {
  mkdir -p "$RUN_DIR/conf" "$RUN_DIR/storage/whisper" "$RUN_DIR/carbon-logs" "$RUN_DIR/run"
  log "writing config to $RUN_DIR/conf"
  cat >"$RUN_DIR/conf/carbon.conf" <<EOF
[cache]
STORAGE_DIR    = $RUN_DIR/storage/
LOCAL_DATA_DIR = $RUN_DIR/storage/whisper/
CONF_DIR       = $RUN_DIR/conf/
LOG_DIR        = $RUN_DIR/carbon-logs/
PID_DIR        = $RUN_DIR/run/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $CARBON_PICKLE_PORT
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $CARBON_QUERY_PORT
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
LOG_CREATES = True
LOG_LISTENER_CONNECTIONS = False
EOF
  cat >"$RUN_DIR/conf/storage-schemas.conf" <<'EOF'
[default]
pattern = .*
retentions = 1s:1h,1m:1d
EOF
  cat >"$RUN_DIR/conf/storage-aggregation.conf" <<'EOF'
[count]
pattern = \.count$
xFilesFactor = 0
aggregationMethod = max

[default]
pattern = .*
xFilesFactor = 0
aggregationMethod = average
EOF
  # a pidfile left by a kill -9 does not block a start, but remove it anyway
  rm -f "$RUN_DIR/run/carbon-cache.pid"
}

svc_launch() {
  log "launching $CARBON_BIN --nodaemon (line 127.0.0.1:$CARBON_PORT, pickle $CARBON_PICKLE_PORT, query $CARBON_QUERY_PORT)"
  # --nodaemon: $! is the real carbon pid; logs go to stdout (LOG_DIR stays empty)
  svc_spawn "$CARBON_BIN" --config="$RUN_DIR/conf/carbon.conf" \
    --pidfile="$RUN_DIR/run/carbon-cache.pid" --nodaemon start
}

svc_ready() {
  # all three listeners are opened together; the line receiver is what tests use
  port_open "$CARBON_PORT" && port_open "$CARBON_QUERY_PORT"
}

svc_env() {
  echo "export HERMES_TEST_CARBON=127.0.0.1:$CARBON_PORT"
  echo "export HERMES_TEST_WHISPER_DIR=$INFRA_DIR/$SVC/storage/whisper"
}

infra_main "$@"
