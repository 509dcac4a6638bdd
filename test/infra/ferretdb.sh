#!/usr/bin/env bash
# FerretDB v1.24.0 (MongoDB wire protocol) with the SQLite backend on 127.0.0.1 for tests.
#   test/infra/ferretdb.sh {start|stop|restart|status|env|wipe|install|logs}
# Port: ${HERMES_MONGO_PORT:-17017} (MongoDB), debug/readiness HTTP ${HERMES_FERRETDB_DEBUG_PORT:-17088}.
# The binary is built once from the Go module into
#   ${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}/ferretdb-v1.24.0/ferretdb
# in a temp dir outside the repo (the module zip lacks build/version/version.txt, without which the
# binary panics at start, so we build from a writable copy of the module with that file written).
set -euo pipefail

SVC=ferretdb
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FERRETDB_VERSION=v1.24.0
MONGO_PORT="${HERMES_MONGO_PORT:-17017}"
DEBUG_PORT="${HERMES_FERRETDB_DEBUG_PORT:-17088}"
FERRETDB_BIN="$CACHE_DIR/ferretdb-$FERRETDB_VERSION/ferretdb"
SVC_MATCH="ferretdb"
SVC_PORTS="$MONGO_PORT $DEBUG_PORT"
SVC_START_TIMEOUT="${HERMES_FERRETDB_TIMEOUT:-30}"

svc_install() {
  if [[ -x "$FERRETDB_BIN" ]]; then
    return 0
  fi
  local t0 tmp dir
  t0="$(now)"
  command -v go >/dev/null || { err "go not found on PATH"; return 1; }
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/hermes-ferretdb-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  log "building FerretDB $FERRETDB_VERSION into $FERRETDB_BIN (temp dir $tmp; first build ~70 s)"
  # Run everything from the temp dir, with no main module and no workspace, so the repo's go.mod
  # is never read or written.
  dir="$(
    cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
      go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
  )"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    err "go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed"
    return 1
  fi
  mkdir -p "$tmp/src"
  cp -r "$dir/." "$tmp/src"
  chmod -R u+w "$tmp/src"
  echo "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  (
    cd "$tmp/src"
    GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
      go build -trimpath -o "$tmp/ferretdb" ./cmd/ferretdb
  ) >"$tmp/build.log" 2>&1 || {
    err "go build failed:"
    tail -n 50 "$tmp/build.log" >&2
    return 1
  }
  mv -f "$tmp/ferretdb" "$FERRETDB_BIN"
  log "built $("$FERRETDB_BIN" --version 2>&1 | head -n 1) in $(elapsed "$t0")s"
}

svc_prepare() {
  # the SQLite dir must exist; --state-dir defaults to the cwd, so set it
  mkdir -p "$RUN_DIR/data" "$RUN_DIR/state"
}

svc_launch() {
  log "launching $FERRETDB_BIN (mongodb://127.0.0.1:$MONGO_PORT/, sqlite data in $RUN_DIR/data)"
  svc_spawn "$FERRETDB_BIN" \
    --handler=sqlite \
    --sqlite-url="file:$RUN_DIR/data/" \
    --state-dir="$RUN_DIR/state" \
    --listen-addr="127.0.0.1:$MONGO_PORT" \
    --debug-addr="127.0.0.1:$DEBUG_PORT" \
    --telemetry=disable \
    --log-level="${HERMES_FERRETDB_LOG_LEVEL:-warn}"
}

svc_ready() {
  # /debug/readyz on the debug listener (a bare TCP probe of the mongo port logs noise)
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$DEBUG_PORT/debug/readyz" 2>/dev/null
}

svc_env() {
  echo "export HERMES_TEST_MONGO=mongodb://127.0.0.1:$MONGO_PORT/"
}

infra_main "$@"
