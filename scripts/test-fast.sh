#!/usr/bin/env bash
# `npm run test:fast`: lint, typecheck and every test that needs no server (vitest.fast.config.ts:
# test/unit and test/fast), without finding or starting any server. Meant for every save, so the
# three run side by side (eslint and tsc use one core each) and lint and typecheck keep caches in
# .cache/ (a later run re-checks only what changed). `npm test` stays the full suite.
# Extra arguments go to vitest (e.g. a file: `npm run test:fast -- test/fast/redelivery.test.ts`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
t0=$(date +%s)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# `npm run lint` is eslint, then dependency-cruiser over src/; the second runs here as a test
# (test/unit/boundaries.test.ts cruises src/ with the same config), so it is not run twice.
eslint --cache --cache-location .cache/eslint/ . >"$out/lint" 2>&1 &
lint=$!
tsc --noEmit --incremental --tsBuildInfoFile .cache/tsc.tsbuildinfo >"$out/typecheck" 2>&1 &
typecheck=$!
vitest run -c vitest.fast.config.ts "$@"
tests=$?
wait $lint; lint_status=$?
wait $typecheck; typecheck_status=$?

for step in lint typecheck; do
  status_var="${step}_status"
  if [[ ${!status_var} -ne 0 ]]; then printf '\n== %s failed\n' "$step"; cat "$out/$step"; fi
done
printf '\n== test:fast in %ss: lint %s, typecheck %s, tests %s\n' "$(( $(date +%s) - t0 ))" \
  "$([[ $lint_status -eq 0 ]] && echo ok || echo FAILED)" "$([[ $typecheck_status -eq 0 ]] && echo ok || echo FAILED)" \
  "$([[ $tests -eq 0 ]] && echo ok || echo FAILED)"
[[ $lint_status -eq 0 && $typecheck_status -eq 0 && $tests -eq 0 ]]
