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

# The read API runs inside the worker here (READ_API_ENABLED); development secrets unless set.
export READ_API_ENABLED=true API_PORT="${API_PORT:-8080}"
export API_JWT_SECRET="${API_JWT_SECRET:-local-development-only-jwt-secret-0123456789}"
export API_PAGE_TOKEN_SECRET="${API_PAGE_TOKEN_SECRET:-local-development-only-page-secret-0123456789}"

node src/main.ts &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM

echo "== worker started (pid $worker); sending a demo command"
node scripts/demo.ts
echo
# One read through the read API: the demo user's consents with the demo service (this run's
# among them, EXPIRED: the demo gives it five seconds).
token=$(node src/tools/dev-token.ts sub=newsletter roles=service serviceId=newsletter)
echo "== a development token for the read API (role service, serviceId newsletter; valid 12 h):"
echo "$token"
echo "== GET http://127.0.0.1:$API_PORT/v1/services/newsletter/users/user-42/consents"
node -e 'fetch(process.argv[1], { headers: { authorization: `Bearer ${process.argv[2]}` } })
  .then(async (r) => console.log(r.status, JSON.stringify(await r.json(), null, 2)))' \
  "http://127.0.0.1:$API_PORT/v1/services/newsletter/users/user-42/consents" "$token"
echo "   (OpenAPI: http://127.0.0.1:$API_PORT/openapi.json)"
echo
echo "== the worker keeps running (pid $worker); Ctrl-C stops it"
wait $worker
