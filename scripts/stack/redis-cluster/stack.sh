#!/usr/bin/env bash
# A Redis Cluster beside the plain stack: three primaries of Debian's redis-server on loopback
# (no replicas, no persistence: Redis holds nothing MongoDB cannot rebuild), each with its own
# dir under the run dir, the 16384 slots split between them by `redis-cli --cluster create`.
#   bash scripts/stack/redis-cluster/stack.sh up|down|status [--secure]
#   (or: npm run stack:up -- --redis-cluster [--secure])
# The worker, the read API and the CLI use it with REDIS_CLUSTER=true and REDIS_URL naming any
# one node; `up` writes both to $RUN/endpoints.env. Kafka, the registry and MongoDB stay the plain
# stack's. Ports: REDIS_CLUSTER_PORTS (default "17001 17002 17003"); run dir REDIS_CLUSTER_RUN_DIR
# (default ~/.cache/consent-worker/run-redis-cluster). `up` is idempotent and locked: a second
# one finds the cluster up and returns in well under a second.
# --secure (or REDIS_CLUSTER_SECURE=1): the secure cluster instead, beside the plain one: TLS only
# (`tls-port`, port 0, `tls-cluster yes`: the bus between the nodes is TLS too) with the secure
# stack's CA and server certificate (secure/stack.sh certs), an ACL file with the user `worker`
# (the single secure Redis' grants) and `admin` (this script's `--cluster create` and probes
# only), `default` off. Passwords random per run dir in secrets/*.password (mode 600).
# Ports: SECURE_REDIS_CLUSTER_PORTS (default "17101 17102 17103"); run dir
# SECURE_REDIS_CLUSTER_RUN_DIR (default ~/.cache/consent-worker/run-redis-cluster-secure).
set -uo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK_DIR="$(cd "$CLUSTER_DIR/.." && pwd)"
CACHE_HOME="${CONSENT_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-worker}"

SECURE=${REDIS_CLUSTER_SECURE:-0}
args=(); for a in "$@"; do if [[ $a == --secure ]]; then SECURE=1; else args+=("$a"); fi; done
set -- "${args[@]}"
[[ $SECURE == 0 ]] || SECURE=1
if (( SECURE )); then
  export STACK_RUN_DIR="${SECURE_REDIS_CLUSTER_RUN_DIR:-$CACHE_HOME/run-redis-cluster-secure}"
  PORTS_VARIABLE=SECURE_REDIS_CLUSTER_PORTS
  read -r -a PORTS <<<"${SECURE_REDIS_CLUSTER_PORTS:-17101 17102 17103}"
else
  export STACK_RUN_DIR="${REDIS_CLUSTER_RUN_DIR:-$CACHE_HOME/run-redis-cluster}"
  PORTS_VARIABLE=REDIS_CLUSTER_PORTS
  read -r -a PORTS <<<"${REDIS_CLUSTER_PORTS:-17001 17002 17003}"
fi
source "$STACK_DIR/lib.sh"
source "$STACK_DIR/redis.sh"

SECRETS="$STACK_RUN/secrets"
secret_file() { echo "$SECRETS/$1.password"; }
# The secure stack's certificate dir (it makes them once, under its lock, if they are missing).
tls_dir() { bash "$STACK_DIR/secure/stack.sh" certs; }

node_name() { echo "redis-$1"; }
node_marker() { echo "redis-server 127.0.0.1:$1"; }
# redis-cli as the admin user over TLS on the secure cluster; the password by environment
# (REDISCLI_AUTH), not on a command line that `ps` shows. `timeout`: a node whose bus another
# cannot reach (a certificate the others do not trust) leaves `--cluster create` waiting for ever.
rcli() {
  if (( SECURE )); then
    REDISCLI_AUTH="$(<"$(secret_file admin)")" timeout 60 redis-cli --tls --cacert "$TLS/ca.pem" --user admin "$@"
  else
    timeout 60 redis-cli "$@"
  fi
}
cluster_info() { rcli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }
cluster_state() { cluster_info "$1" cluster_state; }
cluster_ok() { local port; for port in "${PORTS[@]}"; do [[ $(cluster_state "$port") == ok ]] || return 1; done; }
node_answers() { [[ $(rcli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

make_secrets() {
  mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
  local user
  for user in admin worker; do
    [[ -s $(secret_file "$user") ]] || (umask 077; openssl rand -hex 24 >"$(secret_file "$user")")
  done
}

# The secure node's arguments: its ACL file (mode 600, so no password is on the command line)
# and TLS for clients and the cluster bus. The worker's grants are the single secure Redis'
# (secure/stack.sh): scripts and keys, no @admin/@dangerous (CLUSTER SLOTS, which ioredis asks
# for the slot map, is neither); `admin` may do all, for `--cluster create` and the probes.
secure_node_args() {
  local dir=$1
  (umask 077; {
    echo "user default off"
    echo "user worker on >$(<"$(secret_file worker)") ~* &* +@all -@admin -@dangerous +info +ping"
    echo "user admin on >$(<"$(secret_file admin)") ~* &* +@all"
  } >"$dir/users.acl")
  NODE_ARGS=(--port 0 --tls-port "$2" --tls-cluster yes
    --tls-cert-file "$TLS/server.pem" --tls-key-file "$TLS/server.key" --tls-ca-cert-file "$TLS/ca.pem"
    --tls-auth-clients optional --aclfile "$dir/users.acl")
}

start_node() {
  local port=$1 dir
  dir="$STACK_RUN/$(node_name "$port")"
  mkdir -p "$dir"
  NODE_ARGS=(--port "$port")
  if (( SECURE )); then secure_node_args "$dir" "$port"; fi
  start_process "$(node_name "$port")" redis-server --bind 127.0.0.1 "${NODE_ARGS[@]}" --dir "$dir" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --save "" --appendonly no --daemonize no
}

write_endpoints() {
  if (( SECURE )); then
    cat >"$STACK_RUN/endpoints.env" <<EOT
REDIS_URL=rediss://worker@127.0.0.1:${PORTS[0]}
REDIS_CLUSTER=true
REDIS_TLS_CA_FILE=$TLS/ca.pem
REDIS_PASSWORD_FILE=$(secret_file worker)
EOT
  else
    cat >"$STACK_RUN/endpoints.env" <<EOT
REDIS_URL=redis://127.0.0.1:${PORTS[0]}
REDIS_CLUSTER=true
EOT
  fi
}

create_cluster() {
  local port nodes=()
  for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
  run_logged "$STACK_RUN/create.log" rcli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    || { fail "redis cluster: create failed; see $STACK_RUN/create.log"; return 1; }
}

cmd_up() {
  redis_installed || redis_install || return 1
  if (( SECURE )); then
    TLS=$(tls_dir) || { fail "redis cluster: the secure stack's certificates could not be made"; return 1; }
    make_secrets
    # Nodes started with certificates the secure stack has since remade (its run dir was wiped)
    # would not be trusted by their own clients: start them afresh.
    if [[ -f $STACK_RUN/started-with.pem ]] && ! cmp -s "$TLS/server.pem" "$STACK_RUN/started-with.pem"; then
      say "redis cluster: the secure stack's certificates changed; restarting the nodes"
      cmd_down
    fi
    cp "$TLS/server.pem" "$STACK_RUN/started-with.pem"
  fi
  local port started=0 i
  for port in "${PORTS[@]}"; do
    running_pid "$(node_name "$port")" "$(node_marker "$port")" >/dev/null && continue
    if port_in_use "$port"; then fail "redis cluster: port $port is taken by a process this stack did not start; set $PORTS_VARIABLE"; return 1; fi
    started=$((started + 1))
  done
  # All nodes new: a fresh cluster (their old nodes.conf named a cluster whose data is gone).
  # Some running: the others restart from their nodes.conf and rejoin it with their slots.
  if (( started == ${#PORTS[@]} )); then rm -f "$STACK_RUN"/redis-*/nodes.conf; fi
  for port in "${PORTS[@]}"; do
    running_pid "$(node_name "$port")" "$(node_marker "$port")" >/dev/null || start_node "$port"
  done
  for port in "${PORTS[@]}"; do
    # redis-server names itself by its port only once its TLS context is loaded; until then
    # wait_until, which checks that name, would take the node for dead.
    for (( i = 0; i < 20; i++ )); do running_pid "$(node_name "$port")" "$(node_marker "$port")" >/dev/null && break; sleep 0.1; done
    wait_until "$(node_name "$port")" 30 "$(node_marker "$port")" node_answers "$port" || return 1
  done
  if ! cluster_ok && [[ $(cluster_info "${PORTS[0]}" cluster_slots_assigned) == 0 ]]; then create_cluster || return 1; fi
  for (( i = 0; i < 60; i++ )); do cluster_ok && break; sleep 0.5; done
  cluster_ok || { fail "redis cluster: not ok after 30s (cluster info on port ${PORTS[0]}: $(cluster_state "${PORTS[0]}"))"; return 1; }
  write_endpoints
  say "redis cluster$( (( SECURE )) && echo ' (secure)') up (${#PORTS[@]} primaries on ports ${PORTS[*]}) in $(( $(date +%s) - STACK_T0 ))s; endpoints in $STACK_RUN/endpoints.env"
}

cmd_down() {
  local port
  for port in "${PORTS[@]}"; do stop_process "$(node_name "$port")" "$(node_marker "$port")"; done
}

cmd_status() {
  local port pid rc=0
  if (( SECURE )); then TLS=$(tls_dir) || return 1; fi
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

variant=(); (( SECURE )) && variant=(--secure)
case "${1:-}" in
  # One `up` at a time (test files and scripts/test.sh may all ask at once).
  up) mkdir -p "$STACK_RUN" && exec flock -o "$STACK_RUN/.up.lock" bash "${BASH_SOURCE[0]}" locked-up "${variant[@]}" ;;
  locked-up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status [--secure]" >&2; exit 2 ;;
esac
