#!/usr/bin/env bash
# Brings up (or stops, or reports on) the real brokers the integration tests use, all on
# loopback, with a throw-away CA and certificates for their TLS listeners.
#
#   rabbitmq   Debian's rabbitmq-server, node rabbit@<host>, guest/guest
#                127.0.0.1:5672  AMQP (all interfaces, as Debian's default)
#                127.0.0.1:5671  AMQP over TLS (client certificate verified when sent)
#   rabbitmq2  a second, independent node rabbit2@<host> of the same installation
#              (not clustered: see rabbit2_env), guest/guest
#                127.0.0.1:5673  AMQP
#                127.0.0.1:5674  AMQP over TLS
#                25674           Erlang distribution
#   kafka      Apache Kafka (jars from Maven Central via scripts/kafka/pom.xml), KRaft,
#              node 1 = broker + the controller
#                127.0.0.1:9092  PLAINTEXT
#                127.0.0.1:9093  CONTROLLER
#                127.0.0.1:9094  SSL (client certificate verified when sent)
#                127.0.0.1:9095  SASL_PLAINTEXT (PLAIN, SCRAM-SHA-512)
#                127.0.0.1:9096  SASL_SSL (PLAIN, SCRAM-SHA-512)
#   kafka2     node 2 of the same Kafka cluster, a broker only; ports of node 1 + 100:
#              9192 PLAINTEXT, 9194 SSL, 9195 SASL_PLAINTEXT, 9196 SASL_SSL.
#              Started ON DEMAND only (not by the default `start`): while it is up, new
#              topics can be placed on it, and the tests that stop or pause "the" broker
#              (node 1) would then not stop those topics. A test of the two-broker cluster
#              starts it, and stops it at its end.
#
# Kafka SASL users (no ACLs: any authenticated user may do anything):
#   PLAIN          gracc_plain / plain-secret   (in the listeners' JAAS configuration)
#   SCRAM-SHA-512  gracc_scram / scram-secret   (credentials in the KRaft metadata)
#
# Certificates ($STATE_DIR/tls, PEM, RSA 2048, valid 365 days; all made again when one is
# missing or expires within 30 days, and then the brokers are restarted on their next start):
#   ca.pem, ca.key                 the test CA
#   server.pem, server.key         signed by it; CN localhost, SANs DNS:localhost, IP:127.0.0.1
#                                  (serverAuth + clientAuth: also usable for an HTTPS listener)
#   client.pem, client.key         a client certificate signed by the CA, CN gracc-test-client
#   bad-ca.pem, bad-ca.key         another CA that signed none of the above ("wrong CA" tests)
#   bad-client.pem, bad-client.key a client certificate signed by bad-ca
#   kafka-keystore.pem             server.key + server.pem + ca.pem (Kafka's PEM key store)
# RabbitMQ runs as the rabbitmq user and cannot read $STATE_DIR: it gets copies in
# /etc/rabbitmq/tls. Its configuration: /etc/rabbitmq/rabbitmq.conf (node 1, written only when
# absent or written by this script) and /etc/rabbitmq/rabbit2.conf (node 2).
#
# Usage: bash scripts/services.sh [start|stop|status|restart]   (default: start)
#        npm run services / npm run services:stop
#
# Environment:
#   GRACC_SERVICES       which ones, comma-separated: rabbitmq, rabbitmq2, kafka, kafka2
#                        (default: "rabbitmq,rabbitmq2,kafka" for start and status; stop
#                        without it stops all four)
#   GRACC_SERVICES_DIR   state: Kafka config, data, logs, pid files; the certificates
#                        (default $HOME/.cache/gracc-collector-services)
#   RABBITMQ_WAIT_S      start time limit for a RabbitMQ node (default 90)
#   KAFKA_WAIT_S         start time limit for a Kafka node (default 120)
#
# Idempotent: `start` with everything up and configured as above only checks and returns
# (exit 0). It restarts a node only when its configuration (or a certificate) changed, so an
# older state dir is brought up to date: Kafka's listeners are rewritten and node 1 restarted
# (its KRaft storage and topics stay), the SCRAM users are created once per cluster. It also
# undoes what tests do to RabbitMQ (stop_app, memory watermark 0) and restarts a Kafka that
# died (stale pid file). Progress lines go to stderr.
set -euo pipefail

ACTION="${1:-start}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEFAULT_SERVICES="rabbitmq,rabbitmq2,kafka"
ALL_SERVICES="rabbitmq,rabbitmq2,kafka,kafka2"
if [ "$ACTION" = stop ]; then SERVICES="${GRACC_SERVICES:-$ALL_SERVICES}"; else SERVICES="${GRACC_SERVICES:-$DEFAULT_SERVICES}"; fi
STATE_DIR="${GRACC_SERVICES_DIR:-${HOME:-/root}/.cache/gracc-collector-services}"
TLS_DIR="$STATE_DIR/tls"
TLS_DAYS=365
TLS_RENEW_S=$((30 * 86400))
KAFKA_CP_FILE="$STATE_DIR/kafka/classpath.txt"
KAFKA_POM="$HERE/kafka/pom.xml"
KAFKA_READY="$HERE/kafka-ready.js"
KAFKA_HOST=127.0.0.1
KAFKA_CONTROLLER_PORT=9093
KAFKA_PLAIN_USER=gracc_plain
KAFKA_PLAIN_PASSWORD=plain-secret
KAFKA_SCRAM_USER=gracc_scram
KAFKA_SCRAM_PASSWORD=scram-secret
RABBIT_HOST=127.0.0.1
RABBIT_ETC=/etc/rabbitmq
RABBIT_TLS="$RABBIT_ETC/tls"
RABBITMQ_WAIT_S="${RABBITMQ_WAIT_S:-90}"
KAFKA_WAIT_S="${KAFKA_WAIT_S:-120}"
# Marks the files this script writes outside its state dir (it never overwrites others).
MARK="# Written by gracc-collector scripts/services.sh"

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

# Replaces $1 by $1.new when they differ; true (0) when it did (the file changed).
replace_if_changed() {
  if [ -f "$1" ] && cmp -s "$1.new" "$1"; then rm -f "$1.new"; return 1; fi
  mv "$1.new" "$1"
}

# --------------------------------------------------------------- certificates --

tls_current() {
  local f
  for f in ca.pem ca.key server.pem server.key client.pem client.key bad-ca.pem bad-ca.key \
           bad-client.pem bad-client.key kafka-keystore.pem; do
    [ -s "$TLS_DIR/$f" ] || return 1
  done
  for f in ca.pem server.pem client.pem bad-ca.pem bad-client.pem; do
    openssl x509 -noout -checkend "$TLS_RENEW_S" -in "$TLS_DIR/$f" >/dev/null 2>&1 || return 1
  done
}

# A self-signed CA: tls_ca <dir> <name> <CN>.
tls_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$TLS_DAYS" -subj "/O=gracc-collector tests/CN=$3" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1/$2.key" -out "$1/$2.pem" 2>/dev/null
}

# A certificate signed by a CA: tls_leaf <dir> <name> <ca name> <CN> <extensions>.
tls_leaf() {
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" "$5" >"$1/$2.ext"
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=gracc-collector tests/CN=$4" \
    -keyout "$1/$2.key" -out "$1/$2.csr" 2>/dev/null
  openssl x509 -req -sha256 -days "$TLS_DAYS" -in "$1/$2.csr" -CA "$1/$3.pem" -CAkey "$1/$3.key" \
    -set_serial "0x$(openssl rand -hex 12)" -extfile "$1/$2.ext" -out "$1/$2.pem" 2>/dev/null
  rm -f "$1/$2.csr" "$1/$2.ext"
}

# Makes the test CA and certificates unless they are all there and not about to expire.
tls_ensure() {
  tls_current && return 0
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  log "tls: making a test CA and certificates in $TLS_DIR"
  local tmp="$TLS_DIR.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tls_ca "$tmp" ca "gracc-collector test CA"
  tls_ca "$tmp" bad-ca "gracc-collector wrong CA"
  tls_leaf "$tmp" server ca localhost \
    $'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'
  tls_leaf "$tmp" client ca gracc-test-client "extendedKeyUsage=clientAuth"
  tls_leaf "$tmp" bad-client bad-ca gracc-test-client "extendedKeyUsage=clientAuth"
  cat "$tmp/server.key" "$tmp/server.pem" "$tmp/ca.pem" >"$tmp/kafka-keystore.pem"
  chmod 644 "$tmp"/*.pem && chmod 600 "$tmp"/*.key "$tmp/kafka-keystore.pem"
  rm -rf "$TLS_DIR" && mv "$tmp" "$TLS_DIR"
}

# The server certificate's fingerprint: in the brokers' configuration files, so that new
# certificates change them and the nodes are restarted to load them.
tls_fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$TLS_DIR/server.pem" | cut -d= -f2; }

# ---------------------------------------------------------------- RabbitMQ --

# The two nodes are NOT clustered: a cluster of two cannot keep a queue available when the
# node holding it stops (a quorum queue needs a majority, a classic queue lives on one node),
# so clustering would only couple node 2 to the node everyone shares (stop_app on one, a
# partition when the other stops). Each node has its own exchanges and queues; a failover
# test declares what it needs on both.
RABBIT2_NAME="rabbit2@$(hostname -s)"
RABBIT_PORTS_1="5672 5671"
RABBIT_PORTS_2="5673 5674"
RABBIT2_DIST_PORT=25674

# Runs a RabbitMQ command for node $1 (1 or 2). The Debian wrappers drop to the rabbitmq
# user with `su` and keep the environment, which is how node 2 gets its own name, ports,
# configuration (and so its own mnesia dir and log file, named after the node).
rabbit_env() {
  local n="$1"; shift
  if [ "$n" = 1 ]; then "$@"; return; fi
  RABBITMQ_NODENAME="$RABBIT2_NAME" RABBITMQ_NODE_PORT=5673 RABBITMQ_DIST_PORT="$RABBIT2_DIST_PORT" \
    RABBITMQ_CONFIG_FILE="$RABBIT_ETC/rabbit2.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_ETC/rabbit2-advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_ETC/rabbit2-enabled_plugins" \
    "$@"
}
rabbit_node_flag() { if [ "$1" = 2 ]; then echo "-n $RABBIT2_NAME"; fi; }
rmqctl() { local n="$1"; shift; # shellcheck disable=SC2046
  timeout 60 rabbitmqctl $(rabbit_node_flag "$n") "$@"; }
rabbit_diag() { local n="$1"; shift; # shellcheck disable=SC2046
  timeout 30 rabbitmq-diagnostics -q $(rabbit_node_flag "$n") "$@" >/dev/null 2>&1; }
rabbit_node_up() { rabbit_diag "$1" ping; }
rabbit_app_running() { rabbit_diag "$1" check_running; }
rabbit_label() { if [ "$1" = 1 ]; then echo rabbitmq; else echo rabbitmq2; fi; }
rabbit_conf_file() { if [ "$1" = 1 ]; then echo "$RABBIT_ETC/rabbitmq.conf"; else echo "$RABBIT_ETC/rabbit2.conf"; fi; }

rabbit_log_tail() {
  local f name
  if [ "$1" = 1 ]; then name="rabbit@"; else name="rabbit2@"; fi
  for f in /var/log/rabbitmq/"$name"*.log; do
    [ -f "$f" ] || continue
    log "--- tail of $f"
    tail -n 20 "$f" >&2 || true
  done
}

# Copies the certificates where the rabbitmq user can read them; true when they changed.
rabbit_tls_files() {
  local changed=1 f
  mkdir -p "$RABBIT_TLS"
  for f in ca.pem server.pem server.key; do
    cp "$TLS_DIR/$f" "$RABBIT_TLS/$f.new"
    if replace_if_changed "$RABBIT_TLS/$f"; then changed=0; fi
  done
  chown -R root:rabbitmq "$RABBIT_TLS" && chmod 750 "$RABBIT_TLS" && chmod 640 "$RABBIT_TLS"/*
  return "$changed"
}

# Writes node $1's rabbitmq.conf; true (0) when it changed.
rabbit_write_config() {
  local n="$1" conf tcp tls
  conf="$(rabbit_conf_file "$n")"
  read -r tcp tls <<<"$(eval echo "\$RABBIT_PORTS_$n")"
  if [ -f "$conf" ] && ! grep -qF "$MARK" "$conf"; then
    die "rabbitmq: $conf exists and was not written by this script: move it away (it would be replaced by a TLS test configuration)"
  fi
  {
    echo "$MARK (server certificate $(tls_fingerprint))"
    if [ "$n" = 1 ]; then
      echo "# AMQP stays on Debian's default, port $tcp on every interface."
    else
      echo "listeners.tcp.1 = $RABBIT_HOST:$tcp"
    fi
    cat <<EOF
listeners.ssl.1 = $RABBIT_HOST:$tls
ssl_options.cacertfile = $RABBIT_TLS/ca.pem
ssl_options.certfile = $RABBIT_TLS/server.pem
ssl_options.keyfile = $RABBIT_TLS/server.key
# A client certificate is checked against the CA when the client sends one, not required.
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
EOF
  } >"$conf.new"
  chmod 644 "$conf.new"
  replace_if_changed "$conf"
}

# True when every port of node $1 accepts connections.
rabbit_ports_open() {
  local p
  for p in $(eval echo "\$RABBIT_PORTS_$1"); do port_open "$RABBIT_HOST" "$p" || return 1; done
}

rabbit_launch() {
  local n="$1" label t0=$SECONDS
  label="$(rabbit_label "$n")"
  log "$label: starting (rabbitmq-server -detached)"
  # The Debian wrapper drops to the rabbitmq user; data stays in /var/lib/rabbitmq.
  rabbit_env "$n" rabbitmq-server -detached </dev/null >&2 2>&1 || true
  until rabbit_node_up "$n"; do
    if (( SECONDS - t0 >= RABBITMQ_WAIT_S )); then
      rabbit_log_tail "$n"
      die "$label: node did not answer within ${RABBITMQ_WAIT_S}s"
    fi
    sleep 1
  done
  rmqctl "$n" -q await_startup --timeout "$RABBITMQ_WAIT_S" >&2 \
    || { rabbit_log_tail "$n"; die "$label: await_startup failed"; }
  log "$label: started in $((SECONDS - t0))s"
}

rabbit_start() {
  local n="$1" label changed=no
  label="$(rabbit_label "$n")"
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    log "rabbitmq-server is not installed: installing it"
    apt_install rabbitmq-server
  fi
  if rabbit_tls_files; then changed=yes; fi
  if rabbit_write_config "$n"; then changed=yes; fi

  # Tests set the watermark to 0 to raise a memory alarm: putting it back is also the one
  # quick check (one CLI run) that the node is up with its app running.
  if [ "$changed" = no ] && rmqctl "$n" -q set_vm_memory_high_watermark 0.4 >/dev/null 2>&1; then
    log "$label: node is up"
  else
    if [ "$changed" = yes ] && rabbit_node_up "$n"; then
      log "$label: configuration or certificates changed: restarting the node"
      rabbit_stop "$n"
    fi
    if ! rabbit_node_up "$n"; then
      rabbit_launch "$n"
    elif ! rabbit_app_running "$n"; then
      # Tests call stop_app; start_app returns once the app is up again.
      log "$label: node is up but the app is stopped: start_app"
      rmqctl "$n" -q start_app >&2 || die "$label: rabbitmqctl start_app failed"
    fi
    rmqctl "$n" -q set_vm_memory_high_watermark 0.4 >&2 \
      || die "$label: rabbitmqctl set_vm_memory_high_watermark failed"
  fi

  local t0=$SECONDS
  until rabbit_ports_open "$n"; do
    if (( SECONDS - t0 >= 30 )); then die "$label: ports $(eval echo "\$RABBIT_PORTS_$n") do not all accept connections"; fi
    sleep 1
  done
  local tcp tls
  read -r tcp tls <<<"$(eval echo "\$RABBIT_PORTS_$n")"
  log "$label: ready on amqp://guest:guest@$RABBIT_HOST:$tcp and amqps://$RABBIT_HOST:$tls"
}

rabbit_stop() {
  local n="$1" label
  label="$(rabbit_label "$n")"
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    log "$label: not installed, nothing to stop"
    return 0
  fi
  if rabbit_node_up "$n"; then
    local pid tcp
    read -r tcp _ <<<"$(eval echo "\$RABBIT_PORTS_$n")"
    pid="$(rmqctl "$n" -q eval 'os:getpid().' 2>/dev/null | tr -dc '0-9' || true)"
    log "$label: stopping${pid:+ (pid $pid)}"
    rmqctl "$n" -q stop >&2 || log "$label: rabbitmqctl stop failed"
    # rabbitmqctl stop returns before the VM has exited: wait for it, so that
    # a start right after does not meet the old node still shutting down.
    local t0=$SECONDS
    while { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || port_open "$RABBIT_HOST" "$tcp"; do
      if (( SECONDS - t0 >= 60 )); then log "$label: still running 60s after stop"; break; fi
      sleep 1
    done
    log "$label: stopped"
  else
    log "$label: already stopped"
  fi
}

rabbit_status() {
  local n="$1" label
  label="$(rabbit_label "$n")"
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    log "$label: not installed"
    return 1
  fi
  if ! rabbit_node_up "$n"; then
    log "$label: DOWN (node does not answer)"
    return 1
  fi
  if ! rabbit_app_running "$n"; then
    log "$label: node up but app STOPPED"
    return 1
  fi
  if ! rabbit_ports_open "$n"; then
    log "$label: app running but not every port of $(eval echo "\$RABBIT_PORTS_$n") is open"
    return 1
  fi
  log "$label: UP on $RABBIT_HOST, ports $(eval echo "\$RABBIT_PORTS_$n")"
}

# ------------------------------------------------------------------- Kafka --
# Node $n's files are in kafka_dir $n; node 1 keeps the directory of the single-node
# versions of this script ($STATE_DIR/kafka), so its KRaft storage and topics carry over.

kafka_dir() { if [ "$1" = 1 ]; then echo "$STATE_DIR/kafka"; else echo "$STATE_DIR/kafka$1"; fi; }
kafka_label() { if [ "$1" = 1 ]; then echo kafka; else echo "kafka$1"; fi; }
# Node $1's port for the listener offset $2 (0 PLAINTEXT, 2 SSL, 3 SASL_PLAINTEXT, 4 SASL_SSL).
kafka_port() { echo $((9092 + 100 * ($1 - 1) + $2)); }

kafka_ready() { node "$KAFKA_READY" "$KAFKA_HOST:$(kafka_port "$1" 0)" 2>/dev/null; }

# True when every listener of node $1 accepts connections.
kafka_ports_open() {
  local i
  for i in 0 2 3 4; do port_open "$KAFKA_HOST" "$(kafka_port "$1" "$i")" || return 1; done
}

# Prints the pid of node $1 if its pid file names a live Kafka process.
kafka_pid() {
  local pid file
  file="$(kafka_dir "$1")/kafka.pid"
  [ -f "$file" ] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

kafka_log_tail() {
  local f dir
  dir="$(kafka_dir "$1")"
  for f in "$dir/logs/kafka.out" "$dir/logs/server.log"; do
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
  mkdir -p "$(dirname "$KAFKA_CP_FILE")"
  if [ ! -s "$KAFKA_CP_FILE" ] || [ "$KAFKA_POM" -nt "$KAFKA_CP_FILE" ]; then
    fresh=0
  else
    while IFS= read -r jar; do
      [ -f "$jar" ] || { fresh=0; break; }
    done < <(tr ':' '\n' <"$KAFKA_CP_FILE")
  fi
  if [ "$fresh" = 0 ]; then
    log "kafka: resolving jars with Maven ($KAFKA_POM)"
    local mlog
    mlog="$(dirname "$KAFKA_CP_FILE")/maven.log"
    if ! mvn -B -q -f "$KAFKA_POM" dependency:build-classpath \
        -Dmdep.outputFile="$KAFKA_CP_FILE.tmp" >"$mlog" 2>&1 </dev/null; then
      tail -n 40 "$mlog" >&2 || true
      die "kafka: mvn dependency:build-classpath failed (log: $mlog)"
    fi
    mv "$KAFKA_CP_FILE.tmp" "$KAFKA_CP_FILE"
  fi
}

# The JAAS configuration of a SASL listener, for one mechanism.
kafka_jaas() {
  case "$1" in
    plain) echo "org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_PLAIN_USER=\"$KAFKA_PLAIN_PASSWORD\";" ;;
    scram-sha-512) echo "org.apache.kafka.common.security.scram.ScramLoginModule required;" ;;
  esac
}

# Writes node $1's server.properties.new and log4j2.properties.new.
kafka_write_config() {
  local n="$1" dir roles listeners advertised l m
  dir="$(kafka_dir "$n")"
  advertised="PLAINTEXT://$KAFKA_HOST:$(kafka_port "$n" 0),SSL://$KAFKA_HOST:$(kafka_port "$n" 2)"
  advertised="$advertised,SASL_PLAINTEXT://$KAFKA_HOST:$(kafka_port "$n" 3),SASL_SSL://$KAFKA_HOST:$(kafka_port "$n" 4)"
  if [ "$n" = 1 ]; then
    roles=broker,controller
    listeners="$advertised,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
  else
    roles=broker
    listeners="$advertised"
  fi
  {
    cat <<EOF
$MARK: node $n of the KRaft test cluster (server certificate $(tls_fingerprint)).
process.roles=$roles
node.id=$n
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/kafka-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
ssl.client.auth=requested
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
EOF
    for l in sasl_plaintext sasl_ssl; do
      for m in plain scram-sha-512; do
        echo "listener.name.$l.$m.sasl.jaas.config=$(kafka_jaas "$m")"
      done
    done
    cat <<EOF
log.dirs=$dir/data
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
  } >"$dir/server.properties.new"
  cat >"$dir/log4j2.properties.new" <<EOF
$MARK: Kafka logs to a file, not to the console.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $dir/logs/server.log
appender.file.filePattern = $dir/logs/server.log.%i
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

# True when node $1's configuration on disk differs from what kafka_write_config wrote.
kafka_config_changed() {
  local dir f changed=1
  dir="$(kafka_dir "$1")"
  for f in server.properties log4j2.properties; do
    if [ ! -f "$dir/$f" ] || ! cmp -s "$dir/$f.new" "$dir/$f"; then changed=0; fi
  done
  return "$changed"
}

kafka_install_config() {
  local dir f
  dir="$(kafka_dir "$1")"
  for f in server.properties log4j2.properties; do mv "$dir/$f.new" "$dir/$f"; done
}

# Runs a Kafka class of the classpath with node $1's logging (tools: storage format, configs).
kafka_java() {
  local dir
  dir="$(kafka_dir "$1")"; shift
  java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir/logs" \
    -cp "$(cat "$KAFKA_CP_FILE")" "$@"
}

kafka_cluster_id() { sed -n 's/^cluster\.id=//p' "$(kafka_dir "$1")/data/meta.properties" 2>/dev/null; }

# Formats node $1's KRaft storage: node 1 with a new cluster id, node 2 with node 1's (its
# storage is made again when node 1 was formatted anew since).
kafka_format() {
  local n="$1" dir id out
  dir="$(kafka_dir "$n")"
  out="$dir/logs/kafka.out"
  if [ "$n" = 1 ]; then
    [ -f "$dir/data/meta.properties" ] && return 0
    id="$(kafka_java "$n" kafka.tools.StorageTool random-uuid 2>>"$out" | tail -n 1 | tr -d '[:space:]')"
    [ -n "$id" ] || die "kafka: StorageTool random-uuid printed nothing (see $out)"
  else
    id="$(kafka_cluster_id 1)"
    [ -n "$id" ] || die "$(kafka_label "$n"): node 1 has no KRaft storage yet"
    [ "$(kafka_cluster_id "$n")" = "$id" ] && return 0
    rm -rf "$dir/data"
  fi
  log "$(kafka_label "$n"): formatting $dir/data (KRaft, cluster id $id)"
  mkdir -p "$dir/data"
  kafka_java "$n" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >>"$out" 2>&1 \
    || { kafka_log_tail "$n"; die "$(kafka_label "$n"): storage format failed"; }
}

# Creates the SCRAM-SHA-512 user through node 1 once per cluster (the credentials live in the
# KRaft metadata; the marker file names the cluster id and the user they were made for).
kafka_scram_users() {
  local marker want
  marker="$(kafka_dir 1)/scram-users"
  want="$(kafka_cluster_id 1) SCRAM-SHA-512 $KAFKA_SCRAM_USER $(printf '%s' "$KAFKA_SCRAM_PASSWORD" | sha256sum | cut -c1-16)"
  [ "$(cat "$marker" 2>/dev/null)" = "$want" ] && return 0
  log "kafka: creating the SCRAM-SHA-512 user $KAFKA_SCRAM_USER"
  kafka_java 1 kafka.admin.ConfigCommand --bootstrap-server "$KAFKA_HOST:$(kafka_port 1 0)" --alter \
    --add-config "SCRAM-SHA-512=[iterations=4096,password=$KAFKA_SCRAM_PASSWORD]" \
    --entity-type users --entity-name "$KAFKA_SCRAM_USER" >>"$(kafka_dir 1)/logs/kafka.out" 2>&1 \
    || { kafka_log_tail 1; die "kafka: creating the SCRAM user failed"; }
  echo "$want" >"$marker"
}

kafka_wait_ready() {
  local n="$1" pid="$2" t0=$SECONDS label
  label="$(kafka_label "$n")"
  until kafka_ready "$n" && kafka_ports_open "$n"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      kafka_log_tail "$n"
      die "$label: process $pid exited while starting (logs in $(kafka_dir "$n")/logs)"
    fi
    if (( SECONDS - t0 >= KAFKA_WAIT_S )); then
      kafka_log_tail "$n"
      die "$label: no metadata answer within ${KAFKA_WAIT_S}s (pid $pid, logs in $(kafka_dir "$n")/logs)"
    fi
    sleep 1
  done
  log "$label: answered after $((SECONDS - t0))s"
}

kafka_start() {
  local n="$1" dir label pid
  dir="$(kafka_dir "$n")"
  label="$(kafka_label "$n")"
  kafka_tools
  mkdir -p "$dir/logs"
  kafka_write_config "$n"
  if kafka_config_changed "$n"; then
    if pid="$(kafka_pid "$n")"; then
      log "$label: configuration or certificates changed: restarting the node"
      kafka_stop "$n"
    fi
  elif kafka_ready "$n"; then
    rm -f "$dir"/*.new
    log "$label: ready on $KAFKA_HOST:$(kafka_port "$n" 0)"
    return 0
  elif pid="$(kafka_pid "$n")"; then
    rm -f "$dir"/*.new
    log "$label: process $pid is running but not answering yet: waiting"
    kafka_wait_ready "$n" "$pid"
    log "$label: ready on $KAFKA_HOST:$(kafka_port "$n" 0)"
    return 0
  fi
  kafka_install_config "$n"
  if [ -f "$dir/kafka.pid" ]; then
    log "$label: removing stale pid file"
    rm -f "$dir/kafka.pid"
  fi
  local i
  for i in 0 2 3 4; do
    if port_open "$KAFKA_HOST" "$(kafka_port "$n" "$i")"; then
      die "$label: port $(kafka_port "$n" "$i") is taken by something that is not our Kafka"
    fi
  done
  if [ "$n" = 1 ] && port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "$label: port $KAFKA_CONTROLLER_PORT is taken by something that is not our Kafka"
  fi

  kafka_classpath
  kafka_format "$n"
  if [ "$n" != 1 ]; then
    # The offsets topic has one replica: it must not be placed on a broker that is down
    # more often than not, so node 1 creates it now if no consumer group did yet.
    node "$KAFKA_READY" "$KAFKA_HOST:$(kafka_port 1 0)" --coordinator \
      || die "$label: node 1 did not find a group coordinator"
  fi

  log "$label: starting (state in $dir)"
  echo "=== $(date -u +%FT%TZ) starting $label" >>"$dir/logs/kafka.out"
  # setsid: its own session, so it outlives this shell and the npm run that called it.
  (
    cd "$dir"
    exec setsid nohup java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir/logs" \
      -cp "$(cat "$KAFKA_CP_FILE")" kafka.Kafka "$dir/server.properties" \
      </dev/null >>"$dir/logs/kafka.out" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$dir/kafka.pid"
  kafka_wait_ready "$n" "$pid"
  log "$label: ready on $KAFKA_HOST:$(kafka_port "$n" 0) (pid $pid)"
}

kafka_stop() {
  local n="$1" pid dir label
  dir="$(kafka_dir "$n")"
  label="$(kafka_label "$n")"
  if ! pid="$(kafka_pid "$n")"; then
    rm -f "$dir/kafka.pid"
    log "$label: already stopped"
    return 0
  fi
  log "$label: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - t0 >= 60 )); then
      log "$label: still running after 60s: kill -9"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 1
  done
  rm -f "$dir/kafka.pid"
  log "$label: stopped"
}

kafka_status() {
  local n="$1" label pid
  label="$(kafka_label "$n")"
  if kafka_ready "$n"; then
    if ! kafka_ports_open "$n"; then
      log "$label: answers on $KAFKA_HOST:$(kafka_port "$n" 0) but not every listener is open (an older configuration: run start)"
      return 1
    fi
    if pid="$(kafka_pid "$n")"; then
      log "$label: UP on $KAFKA_HOST, ports $(kafka_port "$n" 0) $(kafka_port "$n" 2) $(kafka_port "$n" 3) $(kafka_port "$n" 4) (pid $pid)"
    else
      log "$label: UP on $KAFKA_HOST:$(kafka_port "$n" 0) (not started by this script: no live pid file)"
    fi
    return 0
  fi
  if pid="$(kafka_pid "$n")"; then
    log "$label: process $pid running but NOT answering on $KAFKA_HOST:$(kafka_port "$n" 0)"
  else
    log "$label: DOWN"
  fi
  return 1
}

# -------------------------------------------------------------------- main --

case "$ACTION" in
  start)
    [ -n "${GRACC_SERVICES_LOCKED:-}" ] || with_lock "$@"
    t0=$SECONDS
    tls_ensure
    if wants rabbitmq; then rabbit_start 1; fi
    if wants rabbitmq2; then rabbit_start 2; fi
    if wants kafka || wants kafka2; then kafka_start 1; fi
    if wants kafka2; then kafka_start 2; fi
    if wants kafka || wants kafka2; then kafka_scram_users; fi
    log "start done in $((SECONDS - t0))s"
    ;;
  stop)
    [ -n "${GRACC_SERVICES_LOCKED:-}" ] || with_lock "$@"
    if wants kafka2; then kafka_stop 2; fi
    if wants kafka; then kafka_stop 1; fi
    if wants rabbitmq2; then rabbit_stop 2; fi
    if wants rabbitmq; then rabbit_stop 1; fi
    ;;
  status)
    rc=0
    if wants rabbitmq; then rabbit_status 1 || rc=1; fi
    if wants rabbitmq2; then rabbit_status 2 || rc=1; fi
    if wants kafka; then kafka_status 1 || rc=1; fi
    if wants kafka2; then kafka_status 2 || rc=1;
    elif kafka_pid 2 >/dev/null; then kafka_status 2 || true; fi
    exit "$rc"
    ;;
  restart)
    bash "${BASH_SOURCE[0]}" stop && exec bash "${BASH_SOURCE[0]}" start
    ;;
  *)
    echo "usage: $0 start|stop|status|restart   (GRACC_SERVICES=rabbitmq,rabbitmq2,kafka,kafka2 to pick)" >&2
    exit 2
    ;;
esac
