#!/usr/bin/env bash
# Real Apache Kafka 4.x broker for tests: single node, KRaft combined mode
# (broker+controller), on 127.0.0.1, from Maven Central jars (no Docker).
#
#   test/infra/kafka.sh start|stop|restart|status|env|wipe|install|logs
#
# Env:
#   HERMES_KAFKA_PORT              PLAINTEXT port            (default 19092)
#   HERMES_KAFKA_CONTROLLER_PORT   CONTROLLER port           (default 19093)
#   HERMES_KAFKA_VERSION           force one version         (default: first of 4.4.0 4.3.1 ... 4.0.0 that resolves)
#   HERMES_KAFKA_HEAP_OPTS         JVM heap                  (default "-Xms128m -Xmx512m")
#   HERMES_KAFKA_JVM_OPTS          extra JVM options         (default "")
#   HERMES_KAFKA_EXTRA_PROPS       extra server.properties lines, newline separated
#   HERMES_INFRA_DIR               run dir root              (default /tmp/hermes-infra)
#   HERMES_CACHE_DIR               jar cache root            (default ~/.cache/hermes-go)
set -euo pipefail

SVC=kafka
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_PORT="${HERMES_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${HERMES_KAFKA_CONTROLLER_PORT:-19093}"
SVC_PORTS="$SVC_PORT $CONTROLLER_PORT"
SVC_MATCH=kafka.Kafka
SVC_START_TIMEOUT="${HERMES_KAFKA_START_TIMEOUT:-120}"
KAFKA_VERSIONS="${HERMES_KAFKA_VERSION:-4.4.0 4.3.1 4.3.0 4.1.1 4.1.0 4.0.1 4.0.0}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
KAFKA_VERSION=""
KAFKA_LIB=""

kafka_lib_dir() { printf '%s/kafka-%s/lib' "$CACHE_DIR" "$1"; }
kafka_cached() { [[ -f "$(kafka_lib_dir "$1")/kafka_2.13-$1.jar" ]]; }

check_java() {
	command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 17+; set JAVA_HOME or apt-get install -y openjdk-17-jre-headless)"
	local spec
	spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
	if ! [[ "${spec%%.*}" =~ ^[0-9]+$ ]] || ((${spec%%.*} < 17)); then
		die "Kafka 4.x needs Java 17+, found '$spec' ($JAVA)"
	fi
}

# download_kafka VERSION: resolve kafka_2.13:VERSION and its runtime deps with
# Maven into the cache. The lib dir appears atomically only when complete.
download_kafka() {
	local v="$1" dir tmp
	dir="$CACHE_DIR/kafka-$v"
	tmp="$dir/lib.tmp.$$"
	mkdir -p "$dir"
	cat >"$dir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hermes-go test/infra/kafka.sh; only used to download jars -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>hermes-go.test-infra</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$v</version>
    </dependency>
    <!-- slf4j binding: Kafka 4.x logs via slf4j-api 1.7.x; the distribution
         uses log4j2, a plain stderr logger is enough here -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF
	rm -rf "$tmp"
	log "downloading org.apache.kafka:kafka_2.13:$v + deps from Maven Central into $dir/lib"
	if ! mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies \
		-DoutputDirectory="$tmp" -DincludeScope=runtime >"$dir/mvn.log" 2>&1; then
		warn "maven could not resolve kafka_2.13:$v (see $dir/mvn.log):"
		grep -E 'ERROR' "$dir/mvn.log" | head -n 3 >&2 || true
		rm -rf "$tmp"
		return 1
	fi
	[[ -f "$tmp/kafka_2.13-$v.jar" ]] || {
		warn "kafka_2.13-$v.jar missing after download"
		rm -rf "$tmp"
		return 1
	}
	rm -rf "${dir:?}/lib"
	mv "$tmp" "$dir/lib"
}

svc_install() {
	local v
	check_java
	KAFKA_VERSION=""
	# 1. the version this run dir was formatted with, if cached
	if [[ -f "$RUN_DIR/kafka.version" ]]; then
		v="$(cat "$RUN_DIR/kafka.version")"
		if kafka_cached "$v" && { [[ -z "${HERMES_KAFKA_VERSION:-}" ]] || [[ "$v" == "$HERMES_KAFKA_VERSION" ]]; }; then
			KAFKA_VERSION="$v"
		fi
	fi
	# 2. the first wanted version already in the cache
	if [[ -z "$KAFKA_VERSION" ]]; then
		for v in $KAFKA_VERSIONS; do
			if kafka_cached "$v"; then
				KAFKA_VERSION="$v"
				break
			fi
		done
	fi
	# 3. download, falling back through the list
	if [[ -z "$KAFKA_VERSION" ]]; then
		command -v mvn >/dev/null 2>&1 || {
			log "installing maven (apt-get)"
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
		}
		local t0
		t0="$(now)"
		for v in $KAFKA_VERSIONS; do
			if download_kafka "$v"; then
				KAFKA_VERSION="$v"
				log "downloaded Kafka $v ($(du -sh "$(kafka_lib_dir "$v")" | cut -f1)) in $(elapsed "$t0")s"
				break
			fi
		done
		[[ -n "$KAFKA_VERSION" ]] || die "none of the Kafka versions [$KAFKA_VERSIONS] could be downloaded"
	fi
	KAFKA_LIB="$(kafka_lib_dir "$KAFKA_VERSION")"
	log "using Kafka $KAFKA_VERSION from $KAFKA_LIB"
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (like
# `kafka-storage random-uuid`, which also never returns an id starting with '-').
random_cluster_id() {
	local id
	while :; do
		id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
		[[ "$id" == -* ]] || break
	done
	printf '%s' "$id"
}

write_server_properties() {
	cat >"$RUN_DIR/server.properties" <<EOF
# written by hermes-go test/infra/kafka.sh (rewritten on every start; data is kept)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$SVC_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$SVC_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN_DIR/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=${HERMES_KAFKA_OFFSETS_PARTITIONS:-1}
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# faster re-registration after a kill -9 (default session timeout is 9 s)
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
	if [[ -n "${HERMES_KAFKA_EXTRA_PROPS:-}" ]]; then
		printf '# HERMES_KAFKA_EXTRA_PROPS\n%s\n' "$HERMES_KAFKA_EXTRA_PROPS" >>"$RUN_DIR/server.properties"
	fi
}

svc_prepare() {
	mkdir -p "$RUN_DIR/data"
	write_server_properties
	if [[ -f "$RUN_DIR/data/meta.properties" ]]; then
		log "storage already formatted (cluster id $(sed -n 's/^cluster.id=//p' "$RUN_DIR/data/meta.properties")); keeping data"
		return 0
	fi
	local cid t0
	cid="$(random_cluster_id)"
	t0="$(now)"
	log "formatting KRaft storage in $RUN_DIR/data (cluster id $cid)"
	# Static quorum (controller.quorum.voters) => a plain `format` is enough; no
	# --standalone / --initial-controllers needed.
	if ! "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$KAFKA_LIB/*" \
		kafka.tools.StorageTool format -t "$cid" -c "$RUN_DIR/server.properties" \
		>"$RUN_DIR/format.log" 2>&1; then
		tail -n 50 "$RUN_DIR/format.log" >&2
		die "storage format failed (full output: $RUN_DIR/format.log)"
	fi
	echo "$KAFKA_VERSION" >"$RUN_DIR/kafka.version"
	echo "$cid" >"$RUN_DIR/cluster.id"
	log "formatted in $(elapsed "$t0")s"
}

svc_launch() {
	# shellcheck disable=SC2086 # word splitting of the option strings is intended
	svc_spawn "$JAVA" ${HERMES_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} \
		-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
		-Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
		-Dorg.slf4j.simpleLogger.showDateTime=true \
		-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
		-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn \
		${HERMES_KAFKA_JVM_OPTS:-} \
		-cp "$KAFKA_LIB/*" kafka.Kafka "$RUN_DIR/server.properties"
}

# api_versions_ok: send a Kafka ApiVersions v0 request over /dev/tcp and check
# that the response carries our correlation id and error code 0.
api_versions_ok() {
	local hex
	# size=12 | api_key=18 | api_version=0 | correlation_id=0x01020304 | client_id="hi"
	hex="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SVC_PORT &&
		printf '\x00\x00\x00\x0c\x00\x12\x00\x00\x01\x02\x03\x04\x00\x02hi' >&3 &&
		head -c 10 <&3" 2>/dev/null | od -An -tx1 | tr -d ' \n')" || true
	# 4-byte size, correlation id 01020304, error_code 0000
	[[ "${hex:8:12}" == "010203040000" ]]
}

svc_ready() {
	[[ -f "$LOG_FILE" ]] && grep -q 'Kafka Server started' "$LOG_FILE" && api_versions_ok
}

svc_env() {
	echo "export HERMES_TEST_KAFKA=127.0.0.1:$SVC_PORT"
}

infra_main "$@"
