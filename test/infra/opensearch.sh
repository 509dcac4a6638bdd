#!/usr/bin/env bash
# OpenSearch 2.19.6 (Elasticsearch-compatible REST API) as an embedded single node on 127.0.0.1 for tests.
#   test/infra/opensearch.sh {start|stop|restart|status|env|wipe|install|logs}
# Ports: HTTP ${HERMES_OPENSEARCH_PORT:-19200}, transport ${HERMES_OPENSEARCH_TRANSPORT_PORT:-19300}.
# There is no OpenSearch distribution tarball to download here, only Maven Central, so a tiny launcher
# (test/infra/opensearch-launcher: pom.xml + one class) starts org.opensearch.node.Node with the
# Netty4 (HTTP) and reindex modules passed as classpath plugins. It is built with Maven into
#   ${HERMES_CACHE_DIR:-$HOME/.cache/hermes-go}/opensearch-launcher/   (jar + lib/)
# and rebuilt only when pom.xml or the sources change (sha256 in .source-hash).
set -euo pipefail

SVC=opensearch
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HTTP_PORT="${HERMES_OPENSEARCH_PORT:-19200}"
TRANSPORT_PORT="${HERMES_OPENSEARCH_TRANSPORT_PORT:-19300}"
HEAP="${HERMES_OPENSEARCH_HEAP:-512m}"
LAUNCHER_SRC="$INFRA_SRC_DIR/opensearch-launcher"
LAUNCHER_DIR="$CACHE_DIR/opensearch-launcher"
MAIN_CLASS=org.hermesgo.infra.OpenSearchLauncher
SVC_MATCH="$MAIN_CLASS"
SVC_PORTS="$HTTP_PORT $TRANSPORT_PORT"
SVC_START_TIMEOUT="${HERMES_OPENSEARCH_TIMEOUT:-180}"
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

source_hash() {
  (
    cd "$LAUNCHER_SRC"
    find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    echo "java: $("$JAVA_BIN" -version 2>&1 | head -n 1)"
  ) | sha256sum | cut -d' ' -f1
}

svc_install() {
  local want have="" t0 tmp
  t0="$(now)"
  want="$(source_hash)"
  [[ -f "$LAUNCHER_DIR/.source-hash" ]] && have="$(cat "$LAUNCHER_DIR/.source-hash")"
  if [[ "$want" == "$have" && -f "$LAUNCHER_DIR/opensearch-launcher.jar" && -d "$LAUNCHER_DIR/lib" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || { err "mvn not found (apt-get install -y maven)"; return 1; }
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/hermes-opensearch-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  log "building the launcher with Maven into $LAUNCHER_DIR (temp dir $tmp; first build downloads ~50 MB of jars)"
  # build from a copy so that no target/ dir appears in the repo
  cp -r "$LAUNCHER_SRC/." "$tmp/src"
  if ! (cd "$tmp/src" && mvn -B -q package) >"$tmp/build.log" 2>&1; then
    err "mvn package failed:"
    tail -n 50 "$tmp/build.log" >&2
    return 1
  fi
  mkdir -p "$tmp/out"
  cp "$tmp/src/target/opensearch-launcher.jar" "$tmp/out/"
  cp -r "$tmp/src/target/lib" "$tmp/out/lib"
  echo "$want" >"$tmp/out/.source-hash"
  mkdir -p "$CACHE_DIR"
  rm -rf "$LAUNCHER_DIR.old"
  [[ -d "$LAUNCHER_DIR" ]] && mv "$LAUNCHER_DIR" "$LAUNCHER_DIR.old"
  mv "$tmp/out" "$LAUNCHER_DIR"
  rm -rf "$LAUNCHER_DIR.old"
  log "built launcher ($(find "$LAUNCHER_DIR/lib" -name "*.jar" | wc -l) jars) in $(elapsed "$t0")s"
}

svc_prepare() {
  mkdir -p "$RUN_DIR/home/config" "$RUN_DIR/data" "$RUN_DIR/logs" "$RUN_DIR/tmp"
}

svc_launch() {
  local extra=()
  # extra node settings, e.g. HERMES_OPENSEARCH_SETTINGS="search.max_buckets=20000 indices.query.bool.max_clause_count=2048"
  if [[ -n "${HERMES_OPENSEARCH_SETTINGS:-}" ]]; then
    read -r -a extra <<<"$HERMES_OPENSEARCH_SETTINGS"
  fi
  log "launching embedded OpenSearch node (http://127.0.0.1:$HTTP_PORT, transport $TRANSPORT_PORT, heap $HEAP)"
  svc_spawn "$JAVA_BIN" "-Xms$HEAP" "-Xmx$HEAP" \
    -XX:+UseG1GC -XX:-HeapDumpOnOutOfMemoryError -XX:+ExitOnOutOfMemoryError \
    -Djava.io.tmpdir="$RUN_DIR/tmp" \
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
    -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false \
    -cp "$LAUNCHER_DIR/opensearch-launcher.jar:$LAUNCHER_DIR/lib/*" \
    "$MAIN_CLASS" \
    cluster.name=hermes-test \
    node.name=hermes-test-node \
    path.home="$RUN_DIR/home" \
    path.data="$RUN_DIR/data" \
    path.logs="$RUN_DIR/logs" \
    network.host=127.0.0.1 \
    http.port="$HTTP_PORT" \
    transport.port="$TRANSPORT_PORT" \
    discovery.type=single-node \
    "${extra[@]}"
}

svc_ready() {
  # the launcher prints "opensearch-launcher: ready" after start() and after setting 0 default replicas
  grep -q '^opensearch-launcher: ready' "$LOG_FILE" 2>/dev/null &&
    curl -fsS -o /dev/null --max-time 5 \
      "http://127.0.0.1:$HTTP_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null
}

svc_env() {
  echo "export HERMES_TEST_ELASTICSEARCH=http://127.0.0.1:$HTTP_PORT"
}

infra_main "$@"
