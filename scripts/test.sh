#!/usr/bin/env bash
# The README's test command (`npm test`), also run by CI: installs what is missing, brings up
# the servers (unless KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI and REDIS_URL name yours,
# or a Docker engine lets the tests start containers), then lint, typecheck and every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t0=$(date +%s)
step() { printf '\n== [%4ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

step "dependencies"
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

step "servers"
if [[ -n ${KAFKA_BROKERS:-} && -n ${SCHEMA_REGISTRY_URL:-} && -n ${MONGODB_URI:-} && -n ${REDIS_URL:-} ]]; then
  echo "using the servers named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, REDIS_URL"
elif docker info >/dev/null 2>&1; then
  echo "Docker engine found: the tests start containers with testcontainers"
else
  bash scripts/stack/stack.sh up
fi
# The secure stack (TLS and credentials everywhere, docs/security.md) beside it, always native:
# test/integration/secure-*.test.ts run on it. SECURE_STACK=0 skips those tests instead.
if [[ ${SECURE_STACK:-1} != 0 ]]; then
  step "secure servers"
  bash scripts/stack/secure/stack.sh up
fi
# A Redis Cluster of three primaries beside it, plaintext and secure (TLS only, ACL users, with
# the secure stack's CA; docs/redis-cluster.md): test/integration/redis-cluster-*.test.ts run on
# them. REDIS_CLUSTER_STACK=0 skips those tests.
if [[ ${REDIS_CLUSTER_STACK:-1} != 0 ]]; then
  step "redis cluster"
  bash scripts/stack/redis-cluster/stack.sh up
  step "secure redis cluster"
  bash scripts/stack/redis-cluster/stack.sh up --secure
fi

step "lint"
npm run --silent lint
step "typecheck"
tsc --noEmit
step "tests"
report="$(mktemp)"
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line that any CI can read, whatever it knows of vitest.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report" || true
rm -f "$report"
[[ $status -eq 0 ]] || exit $status
# The fault suite's small seed (docs/faults.md): the worker as separate processes on a
# private stack (other ports, its own run dir), so it stops servers without touching the shared
# one. FAULTS=0 skips it; `npm run test:faults` is the full run. Prints `faults: N passed, M failed`.
if [[ ${FAULTS:-1} != 0 ]]; then
  step "faults (seed)"
  FAULTS_SCALE=seed node test/faults/run-faults.ts || exit $?
fi
step "all green"
