# A Confluent-API-compatible Schema Registry: Apicurio Registry 3.0.9 (its /apis/ccompat/v7 API),
# run from the prebuilt app that Apicurio publishes on Maven Central (classifier `all`, tar.gz).
# Why not AxonOps (the first choice): the Go module proxy refuses its module ("not available"),
# and nothing else can reach its sources. Why 3.0.9: the newest release built for Java 17
# (3.3.x needs Java 21). Apicurio never published the parent POM of 3.0.x, so Maven cannot read
# the artifact's descriptor; we give it a stand-in parent in a private local repository, which
# lets Maven resolve and checksum-verify the tarball by its coordinates like any other artifact.

REGISTRY_VERSION="${STACK_REGISTRY_VERSION:-3.0.9}"
REGISTRY_HOME="$STACK_OPT/apicurio-registry-$REGISTRY_VERSION"
REGISTRY_MARKER="-Dconsent.stack=registry -Dquarkus.http.port=$STACK_REGISTRY_PORT"

registry_installed() { [[ -f $REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar ]]; }

registry_install() {
  command -v mvn >/dev/null || { fail "registry: mvn not found (Maven fetches Apicurio Registry)"; return 1; }
  local repo="$STACK_OPT/registry-m2" stub="$STACK_OPT/registry-parent-stub.pom"
  say "registry: fetching Apicurio Registry $REGISTRY_VERSION from Maven Central (cold install, ~110 MB)"
  sed "s/@VERSION@/$REGISTRY_VERSION/" "$STACK_DIR/registry/parent-stub.pom" >"$stub"
  rm -rf "$REGISTRY_HOME.tmp"
  run_logged "$STACK_OPT/registry-install.log" bash -c "
    mvn -B -q install:install-file -Dfile='$stub' -DpomFile='$stub' -Dmaven.repo.local='$repo' &&
    mvn -B --strict-checksums -f '$STACK_DIR/kafka/pom.xml' \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
      -Dartifact=io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all \
      -DoutputDirectory='$REGISTRY_HOME.tmp' -Dmaven.repo.local='$repo'" \
    || { fail "registry: Maven could not fetch Apicurio; see $STACK_OPT/registry-install.log"; return 1; }
  rm -rf "$REGISTRY_HOME" && mv "$REGISTRY_HOME.tmp" "$REGISTRY_HOME"
  rm -rf "$repo"   # the unpacked app is all we keep; the tarball would double the disk use
}

registry_start() {
  # In-memory H2 storage: schemas live as long as the process, like a test registry should.
  # BACKWARD as the global rule, as Confluent's default (Apicurio's own default is NONE).
  start_process registry java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dconsent.stack=registry -Dquarkus.http.port="$STACK_REGISTRY_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.rules.global.compatibility=BACKWARD -Dquarkus.http.access-log.enabled=false \
    -jar "$REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar"
}

registry_endpoint() { echo "http://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7"; }
registry_ready() { probe registry "$(registry_endpoint)"; }
