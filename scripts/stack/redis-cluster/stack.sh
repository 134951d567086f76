#!/usr/bin/env bash
# A Redis Cluster beside the plain stack: three primaries of Debian's redis-server on loopback
# (no replicas, no persistence: Redis holds nothing MongoDB cannot rebuild), each with its own
# dir under the run dir, the 16384 slots split between them by `redis-cli --cluster create`.
#   bash scripts/stack/redis-cluster/stack.sh up|down|status   (or: npm run stack:up -- --redis-cluster)
# The worker, the read API and the CLI use it with REDIS_CLUSTER=true and REDIS_URL naming any
# one node; `up` writes both to $RUN/endpoints.env. Kafka, the registry and MongoDB stay the plain
# stack's. Ports: REDIS_CLUSTER_PORTS (default "17001 17002 17003"); run dir REDIS_CLUSTER_RUN_DIR
# (default ~/.cache/consent-worker/run-redis-cluster). `up` is idempotent and locked: a second
# one finds the cluster up and returns in well under a second.
set -uo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK_DIR="$(cd "$CLUSTER_DIR/.." && pwd)"
export STACK_RUN_DIR="${REDIS_CLUSTER_RUN_DIR:-${CONSENT_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-worker}/run-redis-cluster}"
source "$STACK_DIR/lib.sh"
source "$STACK_DIR/redis.sh"

read -r -a PORTS <<<"${REDIS_CLUSTER_PORTS:-17001 17002 17003}"
node_name() { echo "redis-$1"; }
node_marker() { echo "redis-server 127.0.0.1:$1"; }
cluster_state() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
cluster_ok() { local port; for port in "${PORTS[@]}"; do [[ $(cluster_state "$port") == ok ]] || return 1; done; }
node_answers() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

start_node() {
  local port=$1 dir
  dir="$STACK_RUN/$(node_name "$port")"
  mkdir -p "$dir"
  start_process "$(node_name "$port")" redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --save "" --appendonly no --daemonize no
}

cmd_up() {
  redis_installed || redis_install || return 1
  local port started=0 i
  for port in "${PORTS[@]}"; do
    running_pid "$(node_name "$port")" "$(node_marker "$port")" >/dev/null && continue
    if port_in_use "$port"; then fail "redis cluster: port $port is taken by a process this stack did not start; set REDIS_CLUSTER_PORTS"; return 1; fi
    started=$((started + 1))
  done
  # All nodes new: a fresh cluster (their old nodes.conf named a cluster whose data is gone).
  # Some running: the others restart from their nodes.conf and rejoin it with their slots.
  if (( started == ${#PORTS[@]} )); then rm -f "$STACK_RUN"/redis-*/nodes.conf; fi
  for port in "${PORTS[@]}"; do
    running_pid "$(node_name "$port")" "$(node_marker "$port")" >/dev/null || start_node "$port"
  done
  for port in "${PORTS[@]}"; do
    wait_until "$(node_name "$port")" 30 "$(node_marker "$port")" node_answers "$port" || return 1
  done
  if ! cluster_ok && [[ $(redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p') == 0 ]]; then
    local nodes=(); for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
    run_logged "$STACK_RUN/create.log" redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
      || { fail "redis cluster: create failed; see $STACK_RUN/create.log"; return 1; }
  fi
  for (( i = 0; i < 60; i++ )); do cluster_ok && break; sleep 0.5; done
  cluster_ok || { fail "redis cluster: not ok after 30s (cluster info on port ${PORTS[0]}: $(cluster_state "${PORTS[0]}"))"; return 1; }
  cat >"$STACK_RUN/endpoints.env" <<EOT
REDIS_URL=redis://127.0.0.1:${PORTS[0]}
REDIS_CLUSTER=true
EOT
  say "redis cluster up (${#PORTS[@]} primaries on ports ${PORTS[*]}) in $(( $(date +%s) - STACK_T0 ))s; endpoints in $STACK_RUN/endpoints.env"
}

cmd_down() {
  local port
  for port in "${PORTS[@]}"; do stop_process "$(node_name "$port")" "$(node_marker "$port")"; done
}

cmd_status() {
  local port pid rc=0
  for port in "${PORTS[@]}"; do
    if pid=$(running_pid "$(node_name "$port")" "$(node_marker "$port")"); then
      printf '%-14s up       pid %-7s port %-6s cluster_state:%s\n' "$(node_name "$port")" "$pid" "$port" "$(cluster_state "$port")"
      [[ $(cluster_state "$port") == ok ]] || rc=1
    else
      printf '%-14s down\n' "$(node_name "$port")"; rc=1
    fi
  done
  return $rc
}

case "${1:-}" in
  # One `up` at a time (test files and scripts/test.sh may all ask at once).
  up) mkdir -p "$STACK_RUN" && exec flock -o "$STACK_RUN/.up.lock" bash "${BASH_SOURCE[0]}" locked-up ;;
  locked-up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
