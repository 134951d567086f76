#!/usr/bin/env bash
# The README's main command (`npm run local`): installs what is missing, brings the real servers
# up, starts the worker, shows one command going through it, then keeps the worker running in
# the foreground (Ctrl-C stops the worker; `npm run stack:down` stops the servers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"

if [[ -z ${KAFKA_BROKERS:-} || -z ${SCHEMA_REGISTRY_URL:-} || -z ${MONGODB_URI:-} || -z ${REDIS_URL:-} ]]; then
  bash scripts/stack/stack.sh up
  set -a; source "${CONSENT_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/consent-worker}/run/endpoints.env"; set +a
fi

node src/main.ts &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM

echo "== worker started (pid $worker); sending a demo command"
node scripts/demo.ts
echo
echo "== the worker keeps running (pid $worker); Ctrl-C stops it"
wait $worker
