# Apache Kafka 3.9.x in KRaft mode (one broker+controller), from its jars on Maven Central.
# 3.9 and not 4.x: Kafka 4 removed the old protocol versions that kafkajs 2.2 still speaks.

KAFKA_VERSION="${STACK_KAFKA_VERSION:-3.9.2}"
KAFKA_HOME="$STACK_OPT/kafka-$KAFKA_VERSION"
KAFKA_MARKER="kafka.Kafka $STACK_RUN/kafka/server.properties"

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

kafka_java() { java -cp "$KAFKA_HOME/lib/*" -Dlog4j.configuration="file:$STACK_DIR/kafka/log4j.properties" "$@"; }

kafka_start() {
  local dir="$STACK_RUN/kafka"
  mkdir -p "$dir/data"
  sed -e "s|@PORT@|$STACK_KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$STACK_KAFKA_CONTROLLER_PORT|g" \
      -e "s|@DATA@|$dir/data|g" "$STACK_DIR/kafka/server.properties" >"$dir/server.properties"
  if [[ ! -f $dir/data/meta.properties ]]; then
    say "kafka: formatting KRaft storage"
    local cluster_id
    # The tool logs to stdout before printing the id, so only its last line is the id.
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/server.properties" >>"$(log_file kafka)" 2>&1 \
      || { fail "kafka: storage format failed; see $(log_file kafka)"; return 1; }
  fi
  start_process kafka java -Xms256m -Xmx"${STACK_KAFKA_HEAP:-768m}" -XX:+UseG1GC -cp "$KAFKA_HOME/lib/*" \
    -Dlog4j.configuration="file:$STACK_DIR/kafka/log4j.properties" kafka.Kafka "$dir/server.properties"
}

kafka_endpoint() { echo "127.0.0.1:$STACK_KAFKA_PORT"; }
kafka_ready() { probe kafka "$(kafka_endpoint)"; }
