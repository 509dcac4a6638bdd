#!/usr/bin/env bash
# ZooKeeper 3.8 (Debian package `zookeeper`) for tests: standalone, 127.0.0.1 only.
#
#   test/infra/zookeeper.sh start|stop|restart|status|env|wipe|install|logs
#
# Env:
#   HERMES_ZOOKEEPER_PORT   client port           (default 12181)
#   HERMES_ZOOKEEPER_HEAP   JVM heap options      (default "-Xmx256m")
#   HERMES_INFRA_DIR        run dir root          (default /tmp/hermes-infra)
set -euo pipefail

SVC=zookeeper
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_PORT="${HERMES_ZOOKEEPER_PORT:-12181}"
SVC_PORTS="$SVC_PORT"
SVC_MATCH=QuorumPeerMain
SVC_START_TIMEOUT="${HERMES_ZOOKEEPER_START_TIMEOUT:-30}"
ZK_JAR=/usr/share/java/zookeeper.jar
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

svc_install() {
	if [[ -f "$ZK_JAR" ]]; then
		log "using $ZK_JAR ($(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo '?'))"
		return 0
	fi
	local t0
	t0="$(now)"
	log "installing Debian packages zookeeper netcat-openbsd (apt-get)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper netcat-openbsd >"$INFRA_DIR/.zookeeper-apt.log" 2>&1 || {
		tail -n 30 "$INFRA_DIR/.zookeeper-apt.log" >&2
		die "apt-get install zookeeper failed"
	}
	[[ -f "$ZK_JAR" ]] || die "$ZK_JAR still missing after apt-get install"
	log "installed zookeeper $(dpkg-query -W -f '${Version}' zookeeper) in $(elapsed "$t0")s"
}

svc_prepare() {
	mkdir -p "$RUN_DIR/data"
	cat >"$RUN_DIR/zoo.cfg" <<EOF
# written by hermes-go test/infra/zookeeper.sh (rewritten on every start; data is kept)
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$RUN_DIR/data
clientPort=$SVC_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
maxClientCnxns=0
autopurge.purgeInterval=0
EOF
}

svc_launch() {
	local logjar=/usr/share/java/slf4j-simple.jar
	[[ -f "$logjar" ]] || logjar=/usr/share/java/slf4j-nop.jar
	# zookeeper.jar's manifest Class-Path pulls in all its dependencies.
	# shellcheck disable=SC2086
	svc_spawn "$JAVA" ${HERMES_ZOOKEEPER_HEAP:--Xmx256m} \
		-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
		-Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
		-Dzookeeper.admin.enableServer=false \
		-Dorg.slf4j.simpleLogger.showDateTime=true \
		-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
		-cp "$ZK_JAR:$logjar" \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$RUN_DIR/zoo.cfg"
}

svc_ready() {
	[[ "$(tcp_cmd "$SVC_PORT" ruok)" == imok ]]
}

svc_env() {
	echo "export HERMES_TEST_ZOOKEEPER=127.0.0.1:$SVC_PORT"
}

infra_main "$@"
