# Redis from Debian's redis-server package, run as our own process on our own port.
# No persistence: it holds only locks and the expiry schedule, both rebuilt from MongoDB.

REDIS_MARKER="redis-server 127.0.0.1:$STACK_REDIS_PORT"

redis_installed() { command -v redis-server >/dev/null; }

redis_install() {
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    fail "redis: redis-server is missing and we are not root; install Debian's redis-server"; return 1
  fi
  local SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  say "redis: installing Debian's redis-server (cold install)"
  run_logged "$STACK_HOME/redis-install.log" bash -c \
    "$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server" \
    || { fail "redis: apt-get install redis-server failed; see $STACK_HOME/redis-install.log"; return 1; }
  # Debian's package may start its own service on 6379; ours is separate and untouched by it.
}

redis_start() {
  local dir="$STACK_RUN/redis"
  mkdir -p "$dir"
  start_process redis redis-server --bind 127.0.0.1 --port "$STACK_REDIS_PORT" --dir "$dir" \
    --save "" --appendonly no --daemonize no
}

redis_endpoint() { echo "redis://127.0.0.1:$STACK_REDIS_PORT"; }
redis_ready() { probe redis "$(redis_endpoint)"; }
