# Apache Kafka in KRaft mode (one broker+controller), from its jars on Maven Central.
# 4.4 by default; STACK_KAFKA_VERSION=3.9.2 gives the previous line (both are tested: see
# docs/supported-versions.md). kafkajs 2.2 runs unchanged on Kafka 4: every request version it
# sends is still within the broker's range (Kafka 4 removed only versions older than those).

KAFKA_VERSION="${STACK_KAFKA_VERSION:-4.4.0}"
KAFKA_HOME="$STACK_OPT/kafka-$KAFKA_VERSION"
KAFKA_MARKER="kafka.Kafka $STACK_RUN/kafka/server.properties"
# One data dir per version: a broker must never start on storage another version formatted
# (metadata.version, feature levels), and switching back finds its own topics again.
KAFKA_DATA="$STACK_RUN/kafka/data-$KAFKA_VERSION"

kafka_installed() { [[ -f $KAFKA_HOME/lib/kafka_2.13-$KAFKA_VERSION.jar ]]; }

kafka_install() {
  command -v java >/dev/null || { fail "kafka: java not found (Java 17 is needed)"; return 1; }
  command -v mvn >/dev/null || { fail "kafka: mvn not found (Maven resolves the Kafka jars)"; return 1; }
  say "kafka: resolving Kafka $KAFKA_VERSION jars from Maven Central (cold install)"
  mkdir -p "$KAFKA_HOME"
  sed "s/@KAFKA_VERSION@/$KAFKA_VERSION/" "$STACK_DIR/kafka/pom.xml" >"$KAFKA_HOME/pom.xml"
  rm -rf "$KAFKA_HOME/lib.tmp"
  run_logged "$KAFKA_HOME/install.log" mvn -B -f "$KAFKA_HOME/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$KAFKA_HOME/lib.tmp" -DincludeScope=runtime \
    || { fail "kafka: Maven could not resolve the jars; see $KAFKA_HOME/install.log"; return 1; }
  rm -rf "$KAFKA_HOME/lib" && mv "$KAFKA_HOME/lib.tmp" "$KAFKA_HOME/lib"
  say "kafka: $(ls "$KAFKA_HOME/lib" | wc -l) jars in $KAFKA_HOME/lib"
}

KAFKA_LOG_CONFIG=(-Dlog4j.configuration="file:$STACK_DIR/kafka/log4j.properties" -Dlog4j2.configurationFile="$STACK_DIR/kafka/log4j2.properties")
kafka_java() { java -cp "$KAFKA_HOME/lib/*" "${KAFKA_LOG_CONFIG[@]}" "$@"; }

# The version the running broker was started with (its classpath names the install dir).
kafka_running_version() {
  local pid
  pid=$(running_pid kafka "$KAFKA_MARKER") || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 's|.*/kafka-\([^/]*\)/lib/\*$|\1|p' | head -n 1
}

# `up` keeps a running broker: say so when it is not the version asked for.
kafka_already_up_note() {
  local running
  running=$(kafka_running_version) || return 0
  [[ -z $running || $running == "$KAFKA_VERSION" ]] && return 0
  say "kafka: NOTE the running broker is Kafka $running, not $KAFKA_VERSION; \`stack.sh stop kafka\` then \`up\` switches (each version keeps its own data dir)"
}

kafka_start() {
  local dir="$STACK_RUN/kafka"
  mkdir -p "$KAFKA_DATA"
  # STACK_KAFKA_MIN_SESSION_TIMEOUT_MS=6000 gives a stock broker's session floor (the fault
  # suite's FAULTS_KAFKA_MIN_SESSION_TIMEOUT_MS: the worker's fallback from its 3 s default).
  sed -e "s|@PORT@|$STACK_KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$STACK_KAFKA_CONTROLLER_PORT|g" \
      -e "s|@DATA@|$KAFKA_DATA|g" \
      -e "s|^group.min.session.timeout.ms=.*|group.min.session.timeout.ms=${STACK_KAFKA_MIN_SESSION_TIMEOUT_MS:-1000}|" \
      "$STACK_DIR/kafka/server.properties" >"$dir/server.properties"
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    say "kafka: formatting KRaft storage for Kafka $KAFKA_VERSION in $KAFKA_DATA"
    local cluster_id
    # The tool logs to stdout before printing the id, so only its last line is the id.
    # kafka.tools.StorageTool is still the class in Kafka 4.4 (checked: format and random-uuid).
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/server.properties" >>"$(log_file kafka)" 2>&1 \
      || { fail "kafka: storage format failed; see $(log_file kafka)"; return 1; }
  fi
  start_process kafka java -Xms256m -Xmx"${STACK_KAFKA_HEAP:-768m}" -XX:+UseG1GC -cp "$KAFKA_HOME/lib/*" \
    "${KAFKA_LOG_CONFIG[@]}" kafka.Kafka "$dir/server.properties"
}

kafka_endpoint() { echo "127.0.0.1:$STACK_KAFKA_PORT"; }
kafka_ready() { probe kafka "$(kafka_endpoint)"; }
