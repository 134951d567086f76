#!/usr/bin/env bash
# The secure stack: a second stack beside the plain one (its own ports and run dir, the same
# installs), where every server speaks TLS with a private CA and asks for credentials.
#   bash scripts/stack/secure/stack.sh up|down|status|certs   (or: npm run stack:up -- --secure)
# Kafka: SASL_SSL + SCRAM-SHA-512, users made at format time, StandardAuthorizer and ACLs per
# principal (acls.ts). Redis: TLS only, ACL users, the default user off. FerretDB: TLS only,
# SCRAM users (its experimental auth mode).
# Apicurio: HTTPS only, HTTP basic auth (Quarkus' embedded users). Passwords are random per run
# dir, in files of mode 600; clients get them by path. Endpoints and the paths a client needs:
# $SECURE_RUN/endpoints.env (worker), $SECURE_RUN/principals.env (the other principals).
# Ports: SECURE_KAFKA_PORT (44092), SECURE_KAFKA_CONTROLLER_PORT (44093), SECURE_REGISTRY_PORT
# (44443), SECURE_MONGO_PORT (44017), SECURE_REDIS_PORT (44379); run dir SECURE_RUN_DIR
# (default ~/.cache/consent-worker/run-secure).
set -uo pipefail

SECURE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK_DIR="$(cd "$SECURE_DIR/.." && pwd)"
ROOT="$(cd "$STACK_DIR/../.." && pwd)"

# lib.sh and the per-server files read these: the secure stack is a stack instance of its own.
export STACK_RUN_DIR="${SECURE_RUN_DIR:-${CONSENT_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-worker}/run-secure}"
export STACK_KAFKA_PORT="${SECURE_KAFKA_PORT:-44092}"
export STACK_KAFKA_CONTROLLER_PORT="${SECURE_KAFKA_CONTROLLER_PORT:-44093}"
export STACK_REGISTRY_PORT="${SECURE_REGISTRY_PORT:-44443}"
export STACK_MONGO_PORT="${SECURE_MONGO_PORT:-44017}"
export STACK_REDIS_PORT="${SECURE_REDIS_PORT:-44379}"
source "$STACK_DIR/lib.sh"
source "$STACK_DIR/kafka.sh"
source "$STACK_DIR/registry.sh"
source "$STACK_DIR/mongo.sh"
source "$STACK_DIR/redis.sh"
source "$SECURE_DIR/certs.sh"

SECURE_RUN="$STACK_RUN"
SECURE_TLS="$SECURE_RUN/tls"
SECURE_SECRETS="$SECURE_RUN/secrets"
# Kafka principals (SCRAM users); Redis and the registry know the ones that use them.
KAFKA_USERS=(admin worker producer events)
REDIS_USERS=(worker)
REGISTRY_USERS=(worker producer events)

secret_file() { echo "$SECURE_SECRETS/$1.password"; }
secret() { cat "$(secret_file "$1")"; }

make_secrets() {
  mkdir -p "$SECURE_SECRETS" && chmod 700 "$SECURE_SECRETS"
  local user
  for user in "${KAFKA_USERS[@]}"; do
    [[ -s $(secret_file "$user") ]] && continue
    (umask 077; openssl rand -hex 24 >"$(secret_file "$user")")
  done
}

# ---- Kafka ---------------------------------------------------------------------------------------
# The plain stack's version (STACK_KAFKA_VERSION, kafka.sh), its data dir per version (KAFKA_DATA).
secure_kafka_start() {
  local dir="$SECURE_RUN/kafka" props
  mkdir -p "$KAFKA_DATA"
  props="$dir/server.properties"
  (umask 077; sed -e "s|@PORT@|$STACK_KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$STACK_KAFKA_CONTROLLER_PORT|g" \
      -e "s|@DATA@|$KAFKA_DATA|g" -e "s|@TLS@|$SECURE_TLS|g" -e "s|@ADMIN_PASSWORD@|$(secret admin)|g" \
      "$SECURE_DIR/server.properties" >"$props")
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    say "kafka: formatting KRaft storage of Kafka $KAFKA_VERSION with the SCRAM users ${KAFKA_USERS[*]}"
    local cluster_id user scram=()
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    for user in "${KAFKA_USERS[@]}"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(secret "$user")]"); done
    # The tool's output never echoes the passwords; it goes to the log like the plain stack's.
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$props" "${scram[@]}" >>"$(log_file kafka)" 2>&1 \
      || { fail "kafka: storage format failed; see $(log_file kafka)"; return 1; }
  fi
  start_process kafka java -Xms256m -Xmx"${STACK_KAFKA_HEAP:-512m}" -XX:+UseG1GC -cp "$KAFKA_HOME/lib/*" \
    "${KAFKA_LOG_CONFIG[@]}" kafka.Kafka "$props"
}
secure_kafka_ready() { secure_probe kafka; }

# ---- Redis ---------------------------------------------------------------------------------------
secure_redis_start() {
  local dir="$SECURE_RUN/redis"
  mkdir -p "$dir"
  # Users in an ACL file (mode 600), not on the command line where `ps` shows them. The worker
  # may run scripts and touch keys under its prefixes; no admin commands (CONFIG, FLUSHALL, ...).
  (umask 077; {
    echo "user default off"
    echo "user worker on >$(secret worker) ~* &* +@all -@admin -@dangerous +info +ping"
  } >"$dir/users.acl")
  # tls-auth-clients optional: a client certificate is not needed (clients log in as ACL users),
  # but one that is presented must be valid, which is how the expired-certificate test is checked.
  start_process redis redis-server --bind 127.0.0.1 --port 0 --tls-port "$STACK_REDIS_PORT" \
    --tls-cert-file "$SECURE_TLS/server.pem" --tls-key-file "$SECURE_TLS/server.key" \
    --tls-ca-cert-file "$SECURE_TLS/ca.pem" --tls-auth-clients optional \
    --aclfile "$dir/users.acl" --dir "$dir" --save "" --appendonly no --daemonize no
}
secure_redis_ready() { secure_probe redis; }

# ---- FerretDB ------------------------------------------------------------------------------------
secure_mongo_start() {
  local dir="$SECURE_RUN/mongo"
  mkdir -p "$dir/data"
  [[ $(mongo_kind) == ferretdb ]] || { fail "mongo: the secure stack runs FerretDB only (a mongod on PATH is not set up for TLS here)"; return 1; }
  rm -f "$dir"/data/cwtest_*.sqlite* "$dir"/data/smoke_*.sqlite*
  # TLS only: no plaintext listener (--listen-addr empty); with a CA file FerretDB requires a
  # client certificate of that CA (mutual TLS). Authentication: FerretDB 1.24's
  # experimental mode (SCRAM-SHA-256, users stored by FerretDB itself, which also works on SQLite),
  # its first user made at start; the password by environment, not on the command line.
  # No authorisation: every authenticated user may use every database (FerretDB 1.x has no roles).
  (export FERRETDB_SETUP_PASSWORD="$(secret worker)"
  start_process mongo env GOGC=off GOMEMLIMIT=512MiB "$FERRETDB_BIN" --handler=sqlite \
    --test-enable-new-auth --setup-database=admin --setup-username=worker \
    --sqlite-url="file:$dir/data/?_pragma=synchronous(normal)" --listen-addr="" \
    --listen-tls="127.0.0.1:$STACK_MONGO_PORT" --listen-tls-cert-file="$SECURE_TLS/server.pem" \
    --listen-tls-key-file="$SECURE_TLS/server.key" --listen-tls-ca-file="$SECURE_TLS/ca.pem" \
    --state-dir="$dir" --telemetry=disable --debug-addr=- --log-level=warn)
}
secure_mongo_ready() { secure_probe mongo; }

# ---- Apicurio ------------------------------------------------------------------------------------
secure_registry_start() {
  local dir="$SECURE_RUN/registry" user
  mkdir -p "$dir/config"
  # Quarkus reads ./config/application.properties from its working directory: the passwords stay
  # in a file of mode 600, off the command line.
  (umask 077; {
    echo "quarkus.http.ssl-port=$STACK_REGISTRY_PORT"
    echo "quarkus.http.ssl.certificate.files=$SECURE_TLS/server.pem"
    echo "quarkus.http.ssl.certificate.key-files=$SECURE_TLS/server.key"
    echo "quarkus.http.insecure-requests=disabled"
    echo "quarkus.http.auth.basic=true"
    echo "quarkus.security.users.embedded.enabled=true"
    echo "quarkus.security.users.embedded.plain-text=true"
    for user in "${REGISTRY_USERS[@]}"; do
      echo "quarkus.security.users.embedded.users.$user=$(secret "$user")"
      echo "quarkus.security.users.embedded.roles.$user=sr-developer"
    done
    echo "quarkus.http.auth.permission.everything.paths=/*"
    echo "quarkus.http.auth.permission.everything.policy=authenticated"
  } >"$dir/config/application.properties")
  (cd "$dir" && start_process registry java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dconsent.stack=registry -Dquarkus.http.port="$STACK_REGISTRY_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.rules.global.compatibility=BACKWARD -Dquarkus.http.access-log.enabled=false \
    -jar "$REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar")
}
secure_registry_ready() { secure_probe registry; }

# ---- endpoints, probes ---------------------------------------------------------------------------
write_secure_endpoints() {
  cat >"$SECURE_RUN/endpoints.env" <<EOT
KAFKA_BROKERS=127.0.0.1:$STACK_KAFKA_PORT
KAFKA_SSL_CA_FILE=$SECURE_TLS/ca.pem
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=worker
KAFKA_SASL_PASSWORD_FILE=$(secret_file worker)
SCHEMA_REGISTRY_URL=https://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7
SCHEMA_REGISTRY_CA_FILE=$SECURE_TLS/ca.pem
SCHEMA_REGISTRY_USERNAME=worker
SCHEMA_REGISTRY_PASSWORD_FILE=$(secret_file worker)
MONGODB_URI=mongodb://worker@127.0.0.1:$STACK_MONGO_PORT/?tls=true&tlsCAFile=$SECURE_TLS/ca.pem&tlsCertificateKeyFile=$SECURE_TLS/client-bundle.pem&authSource=admin&authMechanism=SCRAM-SHA-256
MONGODB_PASSWORD_FILE=$(secret_file worker)
REDIS_URL=rediss://worker@127.0.0.1:$STACK_REDIS_PORT
REDIS_TLS_CA_FILE=$SECURE_TLS/ca.pem
REDIS_PASSWORD_FILE=$(secret_file worker)
EOT
  # What the tests and tools need besides the worker's own variables.
  cat >"$SECURE_RUN/principals.env" <<EOT
SECURE_TLS_DIR=$SECURE_TLS
SECURE_ADMIN_PASSWORD_FILE=$(secret_file admin)
SECURE_PRODUCER_PASSWORD_FILE=$(secret_file producer)
SECURE_EVENTS_PASSWORD_FILE=$(secret_file events)
EOT
}

# The env files are KEY=value lines read literally (a URI's `&` would mean something to `source`).
with_env_files() {
  (
    local file key value
    for file in "$SECURE_RUN/endpoints.env" "$SECURE_RUN/principals.env"; do
      while IFS='=' read -r key value; do [[ -n $key ]] && export "$key=$value"; done <"$file"
    done
    "$@"
  )
}
secure_probe() { with_env_files probe_secure "$1"; }
probe_secure() { node --no-warnings "$SECURE_DIR/probe.ts" "$@"; }

SECURE_COMPONENTS=(redis mongo kafka registry)
secure_marker() {
  case $1 in
    kafka) echo "$KAFKA_MARKER" ;; registry) echo "$REGISTRY_MARKER" ;;
    mongo) echo "--listen-tls=127.0.0.1:$STACK_MONGO_PORT" ;; redis) echo "redis-server 127.0.0.1:$STACK_REDIS_PORT" ;;
  esac
}
secure_port() {
  case $1 in
    kafka) echo "$STACK_KAFKA_PORT" ;; registry) echo "$STACK_REGISTRY_PORT" ;;
    mongo) echo "$STACK_MONGO_PORT" ;; redis) echo "$STACK_REDIS_PORT" ;;
  esac
}

secure_up_one() {
  local c=$1 marker t0
  marker=$(secure_marker "$c")
  if ! "${c}_installed"; then
    t0=$(date +%s)
    "${c}_install" || return 1
    say "$c: installed in $(( $(date +%s) - t0 ))s"
  fi
  if running_pid "$c" "$marker" >/dev/null; then
    "secure_${c}_ready" >/dev/null 2>&1 || wait_until "$c" "$(ready_timeout "$c")" "$marker" "secure_${c}_ready" || return 1
    say "$c (secure): already up on port $(secure_port "$c")"
    return 0
  fi
  if port_in_use "$(secure_port "$c")"; then
    fail "$c (secure): port $(secure_port "$c") is taken by a process this stack did not start; set SECURE_${c^^}_PORT"
    return 1
  fi
  t0=$(date +%s)
  "secure_${c}_start" || return 1
  wait_until "$c" "$(ready_timeout "$c")" "$marker" "secure_${c}_ready" || return 1
  say "$c (secure): up on port $(secure_port "$c") in $(( $(date +%s) - t0 ))s (log: $(log_file "$c"))"
}
ready_timeout() { case $1 in kafka) echo 90 ;; registry) echo 120 ;; *) echo 30 ;; esac; }

# The CA and certificates, made once per run dir under their own lock: the secure Redis Cluster
# (redis-cluster/stack.sh --secure) asks for them too, maybe while this stack's `up` runs.
ensure_certs() {
  mkdir -p "$SECURE_RUN"
  ( flock 9 && { secure_certs_made || secure_make_certs; } ) 9>"$SECURE_RUN/.certs.lock"
}

cmd_up() {
  # No bootstrap here: scripts/test.sh runs it first, and `npm ci` from a second checkout that
  # shares node_modules would reinstall it under every running process.
  [[ -x $ROOT/node_modules/.bin/node ]] || { fail "node_modules is missing: run npm ci (or scripts/bootstrap.sh) first"; return 1; }
  export PATH="$ROOT/node_modules/.bin:$PATH"
  ensure_certs || return 1
  make_secrets
  write_secure_endpoints
  local c
  for c in "${SECURE_COMPONENTS[@]}"; do secure_up_one "$c" || return 1; done
  # ACLs for the default topic names and consumer group (idempotent: Kafka keeps one copy of each).
  with_env_files node --no-warnings "$SECURE_DIR/grant-acls.ts" || { fail "kafka: granting the ACLs failed"; return 1; }
  say "secure stack up in $(( $(date +%s) - STACK_T0 ))s; endpoints in $SECURE_RUN/endpoints.env"
}

cmd_down() {
  local c
  for c in registry kafka mongo redis; do stop_process "$c" "$(secure_marker "$c")"; done
}

cmd_status() {
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local c pid rc=0 answer
  for c in "${SECURE_COMPONENTS[@]}"; do
    if pid=$(running_pid "$c" "$(secure_marker "$c")"); then
      if answer=$("secure_${c}_ready" 2>&1); then
        printf '%-9s up       pid %-7s port %-6s %s\n' "$c" "$pid" "$(secure_port "$c")" "$answer"
      else
        printf '%-9s running  pid %-7s port %-6s not answering: %s\n' "$c" "$pid" "$(secure_port "$c")" "${answer##*$'\n'}"; rc=1
      fi
    else
      printf '%-9s down\n' "$c"; rc=1
    fi
  done
  return $rc
}

case "${1:-}" in
  # One `up` at a time (test files and scripts/test.sh may all ask at once). flock -o: the lock's
  # descriptor is not inherited by the servers `up` starts, which would hold it for ever.
  up) mkdir -p "$SECURE_RUN" && exec flock -o "$SECURE_RUN/.up.lock" bash "${BASH_SOURCE[0]}" locked-up ;;
  locked-up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  # Only the CA and certificates (made if missing); prints their dir (for the secure cluster).
  certs) ensure_certs >&2 && echo "$SECURE_TLS" ;;
  *) echo "usage: $0 up|down|status|certs" >&2; exit 2 ;;
esac
