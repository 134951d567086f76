#!/usr/bin/env bash
# The local stack of real servers, without Docker: `up`, `down`, `status`, `start`, `stop`.
#   up      installs what is missing (cached in $STACK_HOME/opt), starts what is not running,
#           and waits until each server answers a real request; idempotent.
#   down    stops only the processes this script started (pid files checked against cmdline).
#   status  says, per server, whether our process runs and whether it answers.
#   start NAME... / stop NAME...   one server (redis, mongo, kafka, registry, postgres) alone,
#           e.g. an outage in the fault suite. `start` waits until it answers, like `up`.
# STACK_RUN_DIR: a second instance's own data, logs and pids (with its own STACK_*_PORTs),
# sharing the installs; the fault suite runs such a private stack and stops servers only there.
# Ports: STACK_KAFKA_PORT, STACK_KAFKA_CONTROLLER_PORT, STACK_REGISTRY_PORT, STACK_MONGO_PORT,
# STACK_REDIS_PORT, STACK_POSTGRES_PORT. STACK_FERRETDB_BACKEND=postgresql runs FerretDB on
# PostgreSQL instead of SQLite (see postgres.sh for why). Install and data dir: CONSENT_STACK_HOME (default ~/.cache/consent-worker).
# --secure (any position): the secure stack instead (scripts/stack/secure/stack.sh: TLS and
# credentials everywhere, its own ports and run dir), e.g. `npm run stack:up -- --secure`.
# --redis-cluster: a Redis Cluster beside the plain stack, below (with --secure: the secure one).
set -uo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# --redis-cluster (any position): a Redis Cluster of three primaries beside the plain stack
# (scripts/stack/redis-cluster/stack.sh, docs/redis-cluster.md). `up` brings up the plain stack
# too (the worker still needs its Kafka, registry and MongoDB); `down` and `status`: the cluster only.
# With --secure as well: the secure cluster (TLS, ACL users), and `up` brings up the secure stack.
if [[ " $* " == *" --redis-cluster "* ]]; then
  args=(); for a in "$@"; do [[ $a == --redis-cluster || $a == --secure ]] || args+=("$a"); done
  variant=(); [[ " $* " == *" --secure "* ]] && variant=(--secure)
  if [[ ${args[0]:-} == up ]]; then bash "$STACK_DIR/stack.sh" up "${variant[@]}" || exit $?; fi
  exec bash "$STACK_DIR/redis-cluster/stack.sh" "${args[@]}" "${variant[@]}"
fi
if [[ " $* " == *" --secure "* ]]; then
  args=(); for a in "$@"; do [[ $a == --secure ]] || args+=("$a"); done
  exec bash "$STACK_DIR/secure/stack.sh" "${args[@]}"
fi
ROOT="$(cd "$STACK_DIR/../.." && pwd)"
source "$STACK_DIR/lib.sh"
source "$STACK_DIR/kafka.sh"
source "$STACK_DIR/registry.sh"
source "$STACK_DIR/postgres.sh"
source "$STACK_DIR/mongo.sh"
source "$STACK_DIR/redis.sh"

# Start order: PostgreSQL (only as FerretDB's backend) before FerretDB; the worker needs the rest.
COMPONENTS=(redis mongo kafka registry)
[[ $FERRETDB_BACKEND == postgresql && $(mongo_kind) == ferretdb ]] && COMPONENTS=(redis postgres mongo kafka registry)

marker_of() {
  case $1 in
    kafka) echo "$KAFKA_MARKER" ;;
    registry) echo "$REGISTRY_MARKER" ;;
    mongo) mongo_marker ;;
    redis) echo "$REDIS_MARKER" ;;
    postgres) echo "$POSTGRES_MARKER" ;;
  esac
}
port_of() {
  case $1 in
    kafka) echo "$STACK_KAFKA_PORT" ;;
    registry) echo "$STACK_REGISTRY_PORT" ;;
    mongo) echo "$STACK_MONGO_PORT" ;;
    redis) echo "$STACK_REDIS_PORT" ;;
    postgres) echo "$STACK_POSTGRES_PORT" ;;
  esac
}
ready_timeout() { case $1 in kafka) echo 90 ;; registry) echo 120 ;; *) echo 30 ;; esac; }

write_endpoints() {
  mkdir -p "$STACK_RUN"
  cat >"$STACK_RUN/endpoints.env" <<EOT
KAFKA_BROKERS=$(kafka_endpoint)
SCHEMA_REGISTRY_URL=$(registry_endpoint)
MONGODB_URI=$(mongo_endpoint)
REDIS_URL=$(redis_endpoint)
EOT
}

up_one() {
  local c=$1 marker t0
  marker=$(marker_of "$c")
  if ! "${c}_installed"; then
    t0=$(date +%s)
    "${c}_install" || return 1
    say "$c: installed in $(( $(date +%s) - t0 ))s"
  fi
  if running_pid "$c" "$marker" >/dev/null; then
    "${c}_ready" >/dev/null 2>&1 || wait_until "$c" "$(ready_timeout "$c")" "$marker" "${c}_ready" || return 1
    say "$c: already up at $("${c}_endpoint")"
    if declare -F "${c}_already_up_note" >/dev/null; then "${c}_already_up_note"; fi
    return 0
  fi
  if port_in_use "$(port_of "$c")"; then
    fail "$c: port $(port_of "$c") is taken by a process this stack did not start; set STACK_${c^^}_PORT"
    return 1
  fi
  t0=$(date +%s)
  "${c}_start" || return 1
  wait_until "$c" "$(ready_timeout "$c")" "$marker" "${c}_ready" || return 1
  say "$c: up at $("${c}_endpoint") in $(( $(date +%s) - t0 ))s (log: $(log_file "$c"))"
}

cmd_up() {
  bash "$ROOT/scripts/bootstrap.sh" || return 1
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local c
  for c in "${COMPONENTS[@]}"; do up_one "$c" || return 1; done
  write_endpoints
  say "stack up in $(( $(date +%s) - STACK_T0 ))s; endpoints in $STACK_RUN/endpoints.env"
}

cmd_down() {
  # Every server the stack can start, whichever backend is configured now: down stops all of ours.
  local c
  for c in registry kafka mongo postgres redis; do stop_process "$c" "$(marker_of "$c")"; done
}

cmd_status() {
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local c pid rc=0 answer
  for c in "${COMPONENTS[@]}"; do
    if pid=$(running_pid "$c" "$(marker_of "$c")"); then
      if answer=$("${c}_ready" 2>&1); then
        printf '%-9s up       pid %-7s %-32s %s\n' "$c" "$pid" "$("${c}_endpoint")" "$answer"
      else
        printf '%-9s running  pid %-7s %-32s not answering: %s\n' "$c" "$pid" "$("${c}_endpoint")" "${answer##*$'\n'}"; rc=1
      fi
    else
      printf '%-9s down\n' "$c"; rc=1
    fi
  done
  return $rc
}

known_component() { case $1 in redis|mongo|kafka|registry|postgres) return 0 ;; *) return 1 ;; esac; }

cmd_start() {
  [[ $# -gt 0 ]] || { echo "usage: $0 start redis|mongo|kafka|registry|postgres..." >&2; return 2; }
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local c
  for c in "$@"; do known_component "$c" || { fail "unknown server $c"; return 2; }; up_one "$c" || return 1; done
}

cmd_stop() {
  [[ $# -gt 0 ]] || { echo "usage: $0 stop redis|mongo|kafka|registry|postgres..." >&2; return 2; }
  local c
  for c in "$@"; do known_component "$c" || { fail "unknown server $c"; return 2; }; stop_process "$c" "$(marker_of "$c")"; done
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: $0 up|down|status|start NAME...|stop NAME..." >&2; exit 2 ;;
esac
