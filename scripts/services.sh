#!/usr/bin/env bash
# Brings up (or stops, or reports on) the real brokers the integration tests use,
# on loopback:
#   RabbitMQ  127.0.0.1:5672  (Debian's rabbitmq-server, guest/guest)
#   Kafka     127.0.0.1:9092  (single KRaft broker+controller, controller on :9093;
#                              jars from Maven Central via scripts/kafka/pom.xml)
#
# Usage: bash scripts/services.sh [start|stop|status|restart]   (default: start)
#        npm run services / npm run services:stop
#
# Environment:
#   GRACC_SERVICES       which ones: "rabbitmq", "kafka", or both (default "rabbitmq,kafka")
#   GRACC_SERVICES_DIR   Kafka's state: config, data, logs, pid file
#                        (default $HOME/.cache/gracc-collector-services)
#   RABBITMQ_WAIT_S      start time limit for RabbitMQ (default 90)
#   KAFKA_WAIT_S         start time limit for Kafka (default 120)
#
# Idempotent: `start` with everything up only checks and returns (exit 0).
# It also undoes what tests do to RabbitMQ (stop_app, memory watermark 0) and
# restarts a Kafka that died (stale pid file). Progress lines go to stderr.
set -euo pipefail

ACTION="${1:-start}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICES="${GRACC_SERVICES:-rabbitmq,kafka}"
STATE_DIR="${GRACC_SERVICES_DIR:-${HOME:-/root}/.cache/gracc-collector-services}"
KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_PID_FILE="$KAFKA_DIR/kafka.pid"
KAFKA_CP_FILE="$KAFKA_DIR/classpath.txt"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_LOG4J="$KAFKA_DIR/log4j2.properties"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_OUT="$KAFKA_LOGS/kafka.out"
KAFKA_POM="$HERE/kafka/pom.xml"
KAFKA_READY="$HERE/kafka-ready.js"
KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
RABBIT_HOST=127.0.0.1
RABBIT_PORT=5672
RABBITMQ_WAIT_S="${RABBITMQ_WAIT_S:-90}"
KAFKA_WAIT_S="${KAFKA_WAIT_S:-120}"

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

wants() { [[ ",${SERVICES// /,}," == *",$1,"* ]]; }

# True when something accepts TCP connections on host:port.
port_open() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}

# One start/stop at a time (several people or test runs may call this at once).
# flock -o holds the lock in the flock process itself and closes it for the
# script, so the daemons started below (Kafka, the Erlang VM, epmd) never
# inherit the lock file descriptor and keep it locked.
with_lock() {
  mkdir -p "$STATE_DIR"
  local lock="$STATE_DIR/services.lock"
  if ! flock -n -o "$lock" true; then log "waiting for another services.sh to finish"; fi
  export GRACC_SERVICES_LOCKED=1
  exec flock -o -w 900 "$lock" bash "${BASH_SOURCE[0]}" "$@"
}

# ---------------------------------------------------------------- RabbitMQ --

rmqctl() { timeout 60 rabbitmqctl "$@"; }

rabbit_node_up() { timeout 30 rabbitmq-diagnostics -q ping >/dev/null 2>&1; }
rabbit_app_running() { timeout 30 rabbitmq-diagnostics -q check_running >/dev/null 2>&1; }

rabbit_log_tail() {
  local f
  for f in /var/log/rabbitmq/*.log; do
    [ -f "$f" ] || continue
    log "--- tail of $f"
    tail -n 20 "$f" >&2 || true
  done
}

rabbit_start() {
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    log "rabbitmq-server is not installed: installing it"
    apt_install rabbitmq-server
  fi

  if rabbit_node_up; then
    # Tests call stop_app; start_app returns once the app is up again.
    if rabbit_app_running; then
      log "rabbitmq: node is up"
    else
      log "rabbitmq: node is up but the app is stopped: start_app"
      rmqctl -q start_app >&2 || die "rabbitmqctl start_app failed"
    fi
  else
    log "rabbitmq: starting (rabbitmq-server -detached)"
    # The Debian wrapper drops to the rabbitmq user; data stays in /var/lib/rabbitmq.
    rabbitmq-server -detached </dev/null >&2 2>&1 || true
    local t0=$SECONDS
    until rabbit_node_up; do
      if (( SECONDS - t0 >= RABBITMQ_WAIT_S )); then
        rabbit_log_tail
        die "rabbitmq: node did not answer within ${RABBITMQ_WAIT_S}s"
      fi
      sleep 1
    done
    rmqctl -q await_startup --timeout "$RABBITMQ_WAIT_S" >&2 \
      || { rabbit_log_tail; die "rabbitmq: await_startup failed"; }
    log "rabbitmq: started in $((SECONDS - t0))s"
  fi

  # Tests set the watermark to 0 to raise a memory alarm; put it back.
  rmqctl -q set_vm_memory_high_watermark 0.4 >&2 \
    || die "rabbitmqctl set_vm_memory_high_watermark failed"

  local t0=$SECONDS
  until port_open "$RABBIT_HOST" "$RABBIT_PORT"; do
    if (( SECONDS - t0 >= 30 )); then die "rabbitmq: AMQP port $RABBIT_PORT does not accept connections"; fi
    sleep 1
  done
  log "rabbitmq: ready on amqp://guest:guest@$RABBIT_HOST:$RABBIT_PORT"
}

rabbit_stop() {
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    log "rabbitmq: not installed, nothing to stop"
    return 0
  fi
  if rabbit_node_up; then
    local pid
    pid="$(rmqctl -q eval 'os:getpid().' 2>/dev/null | tr -dc '0-9' || true)"
    log "rabbitmq: stopping${pid:+ (pid $pid)}"
    rmqctl -q stop >&2 || log "rabbitmq: rabbitmqctl stop failed"
    # rabbitmqctl stop returns before the VM has exited: wait for it, so that
    # a start right after does not meet the old node still shutting down.
    local t0=$SECONDS
    while { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || port_open "$RABBIT_HOST" "$RABBIT_PORT"; do
      if (( SECONDS - t0 >= 60 )); then log "rabbitmq: still running 60s after stop"; break; fi
      sleep 1
    done
    log "rabbitmq: stopped"
  else
    log "rabbitmq: already stopped"
  fi
}

rabbit_status() {
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    log "rabbitmq: not installed"
    return 1
  fi
  if ! rabbit_node_up; then
    log "rabbitmq: DOWN (node does not answer)"
    return 1
  fi
  if ! rabbit_app_running; then
    log "rabbitmq: node up but app STOPPED"
    return 1
  fi
  if ! port_open "$RABBIT_HOST" "$RABBIT_PORT"; then
    log "rabbitmq: app running but port $RABBIT_PORT closed"
    return 1
  fi
  log "rabbitmq: UP on $RABBIT_HOST:$RABBIT_PORT"
}

# ------------------------------------------------------------------- Kafka --

kafka_ready() { node "$KAFKA_READY" "$KAFKA_HOST:$KAFKA_PORT" 2>/dev/null; }

# Prints the pid of our Kafka if the pid file names a live Kafka process.
kafka_pid() {
  local pid
  [ -f "$KAFKA_PID_FILE" ] || return 1
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

kafka_log_tail() {
  local f
  for f in "$KAFKA_OUT" "$KAFKA_LOGS/server.log"; do
    [ -s "$f" ] || continue
    log "--- tail of $f"
    tail -n 30 "$f" >&2 || true
  done
}

kafka_tools() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
  command -v node >/dev/null 2>&1 || die "node is not on PATH (needed for scripts/kafka-ready.js)"
}

# Resolves the jars (cached in ~/.m2) unless the classpath file is current.
kafka_classpath() {
  local fresh=1 jar
  if [ ! -s "$KAFKA_CP_FILE" ] || [ "$KAFKA_POM" -nt "$KAFKA_CP_FILE" ]; then
    fresh=0
  else
    while IFS= read -r jar; do
      [ -f "$jar" ] || { fresh=0; break; }
    done < <(tr ':' '\n' <"$KAFKA_CP_FILE")
  fi
  if [ "$fresh" = 0 ]; then
    log "kafka: resolving jars with Maven ($KAFKA_POM)"
    local mlog="$KAFKA_LOGS/maven.log"
    if ! mvn -B -q -f "$KAFKA_POM" dependency:build-classpath \
        -Dmdep.outputFile="$KAFKA_CP_FILE.tmp" >"$mlog" 2>&1 </dev/null; then
      tail -n 40 "$mlog" >&2 || true
      die "kafka: mvn dependency:build-classpath failed (log: $mlog)"
    fi
    mv "$KAFKA_CP_FILE.tmp" "$KAFKA_CP_FILE"
  fi
}

kafka_write_config() {
  cat >"$KAFKA_PROPS" <<EOF
# Written by scripts/services.sh: a single-node KRaft broker+controller for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
log.segment.bytes=16777216
log.retention.hours=24
log.retention.check.interval.ms=300000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
  cat >"$KAFKA_LOG4J" <<EOF
# Written by scripts/services.sh: Kafka logs to a file, not to the console.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $KAFKA_LOGS/server.log
appender.file.filePattern = $KAFKA_LOGS/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

kafka_java() {
  java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$KAFKA_LOGS" \
    -cp "$(cat "$KAFKA_CP_FILE")" "$@"
}

kafka_format() {
  if [ -f "$KAFKA_DATA/meta.properties" ]; then return 0; fi
  local id
  id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_OUT" | tail -n 1 | tr -d '[:space:]')"
  [ -n "$id" ] || die "kafka: StorageTool random-uuid printed nothing (see $KAFKA_OUT)"
  log "kafka: formatting $KAFKA_DATA (KRaft, cluster id $id)"
  mkdir -p "$KAFKA_DATA"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" >>"$KAFKA_OUT" 2>&1 \
    || { kafka_log_tail; die "kafka: storage format failed"; }
}

kafka_wait_ready() {
  local pid="$1" t0=$SECONDS
  until kafka_ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
      kafka_log_tail
      die "kafka: process $pid exited while starting (logs in $KAFKA_LOGS)"
    fi
    if (( SECONDS - t0 >= KAFKA_WAIT_S )); then
      kafka_log_tail
      die "kafka: no metadata answer within ${KAFKA_WAIT_S}s (pid $pid, logs in $KAFKA_LOGS)"
    fi
    sleep 1
  done
  log "kafka: answered after $((SECONDS - t0))s"
}

kafka_start() {
  kafka_tools
  if kafka_ready; then
    log "kafka: ready on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  mkdir -p "$KAFKA_DIR" "$KAFKA_LOGS"
  local pid
  if pid="$(kafka_pid)"; then
    log "kafka: process $pid is running but not answering yet: waiting"
    kafka_wait_ready "$pid"
    log "kafka: ready on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  if [ -f "$KAFKA_PID_FILE" ]; then
    log "kafka: removing stale pid file"
    rm -f "$KAFKA_PID_FILE"
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT" || port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by something that is not our Kafka"
  fi

  kafka_classpath
  kafka_write_config
  kafka_format

  log "kafka: starting (state in $KAFKA_DIR)"
  {
    echo "=== $(date -u +%FT%TZ) starting kafka"
  } >>"$KAFKA_OUT"
  # setsid: its own session, so it outlives this shell and the npm run that called it.
  (
    cd "$KAFKA_DIR"
    exec setsid nohup java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$KAFKA_LOGS" \
      -cp "$(cat "$KAFKA_CP_FILE")" kafka.Kafka "$KAFKA_PROPS" \
      </dev/null >>"$KAFKA_OUT" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$KAFKA_PID_FILE"
  kafka_wait_ready "$pid"
  log "kafka: ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
}

kafka_stop() {
  local pid
  if ! pid="$(kafka_pid)"; then
    rm -f "$KAFKA_PID_FILE"
    log "kafka: already stopped"
    return 0
  fi
  log "kafka: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - t0 >= 60 )); then
      log "kafka: still running after 60s: kill -9"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 1
  done
  rm -f "$KAFKA_PID_FILE"
  log "kafka: stopped"
}

kafka_status() {
  if kafka_ready; then
    local pid
    if pid="$(kafka_pid)"; then
      log "kafka: UP on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
    else
      log "kafka: UP on $KAFKA_HOST:$KAFKA_PORT (not started by this script: no live pid file)"
    fi
    return 0
  fi
  if pid="$(kafka_pid)"; then
    log "kafka: process $pid running but NOT answering on $KAFKA_HOST:$KAFKA_PORT"
  else
    log "kafka: DOWN"
  fi
  return 1
}

# -------------------------------------------------------------------- main --

case "$ACTION" in
  start)
    [ -n "${GRACC_SERVICES_LOCKED:-}" ] || with_lock "$@"
    t0=$SECONDS
    if wants rabbitmq; then rabbit_start; fi
    if wants kafka; then kafka_start; fi
    log "start done in $((SECONDS - t0))s"
    ;;
  stop)
    [ -n "${GRACC_SERVICES_LOCKED:-}" ] || with_lock "$@"
    if wants kafka; then kafka_stop; fi
    if wants rabbitmq; then rabbit_stop; fi
    ;;
  status)
    rc=0
    if wants rabbitmq; then rabbit_status || rc=1; fi
    if wants kafka; then kafka_status || rc=1; fi
    exit "$rc"
    ;;
  restart)
    bash "${BASH_SOURCE[0]}" stop && exec bash "${BASH_SOURCE[0]}" start
    ;;
  *)
    echo "usage: $0 start|stop|status|restart   (GRACC_SERVICES=rabbitmq|kafka to pick one)" >&2
    exit 2
    ;;
esac
